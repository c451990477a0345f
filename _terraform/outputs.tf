output "alb_dns_name" {
  description = "Public address of the API (http://<this>/api, Swagger UI at /swagger-ui/)."
  value       = module.loadbalancer.dns_name
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = module.ecs.cluster_name
}

output "service_name" {
  description = "ECS service name (ecs-cli --project-name)."
  value       = module.ecs.service_name
}

output "ecr_registry" {
  description = "ECR registry host to push images to (ECR_REGISTRY)."
  value       = module.ecs.ecr_registry
}

output "aws_region" {
  description = "Region of the deployment (for deploy.sh)."
  value       = var.aws_region
}

output "ecr_repositories" {
  description = "Repository URL of each image: app, nginx (for deploy.sh)."
  value       = module.ecs.ecr_repositories
}

output "task_family" {
  description = "Task definition family (for deploy.sh)."
  value       = module.ecs.task_family
}

output "db_host" {
  description = "RDS endpoint host (DB_HOST for docker-compose.ecs.yml)."
  value       = module.database.address
}

output "task_execution_role_name" {
  description = "Role ecs-params.yml names as task_execution_role."
  value       = module.ecs.task_execution_role_name
}

output "ecs_cli_configure" {
  description = "Run once: ecs-cli cluster profile."
  value       = "ecs-cli configure --cluster ${module.ecs.cluster_name} --default-launch-type EC2 --config-name ${module.ecs.cluster_name} --region ${var.aws_region}"
}

output "ecs_cli_deploy" {
  description = "ecs-cli (no longer maintained by AWS; _terraform/deploy.sh is the supported path): run from the repository root, with ECR_REGISTRY, IMAGE_TAG, DB_HOST and AWS_REGION exported."
  value       = "ecs-cli compose --project-name ${module.ecs.service_name} --file docker-compose.ecs.yml --ecs-params ecs-params.yml service up --cluster-config ${module.ecs.cluster_name} --region ${var.aws_region} --deployment-max-percent 200 --deployment-min-healthy-percent 100 --timeout 10"
}
