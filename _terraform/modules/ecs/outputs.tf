output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "ecr_registry" {
  description = "ECR registry host."
  value       = local.registry
}

output "task_execution_role_name" {
  description = "Task execution role."
  value       = aws_iam_role.task_execution.name
}

output "ecr_repositories" {
  description = "Repository URL of each image (app, nginx)."
  value       = { for name, repository in aws_ecr_repository.images : name => repository.repository_url }
}

output "task_family" {
  description = "Task definition family."
  value       = aws_ecs_task_definition.bootstrap.family
}
