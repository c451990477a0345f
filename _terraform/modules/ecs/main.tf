# ECS on EC2: cluster, container instances (launch template + auto scaling group + capacity
# provider), image repositories, roles, and the service behind the ALB. ecs-cli registers new
# task definition revisions (family = service name); Terraform keeps the rest.

data "aws_caller_identity" "current" {}

# The current ECS-optimised Amazon Linux 2023 AMI, from AWS's public parameter.
data "aws_ssm_parameter" "ecs_ami" {
  name = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
}

resource "aws_ecs_cluster" "this" {
  name = "${var.resource_prefix}-cluster"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_kms_key" "ecr" {
  description         = "${var.resource_prefix} ECR images"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Account"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_ecr_repository" "images" {
  for_each             = toset(["app", "nginx"])
  name                 = "${var.resource_prefix}-${each.key}"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.ecr.arn
  }
}

# --- container instances -----------------------------------------------------------------

resource "aws_iam_role" "instance" {
  name = "${var.resource_prefix}-ecs-instance"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "instance_ecs" {
  role       = aws_iam_role.instance.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

# Shell access through Session Manager instead of SSH keys.
resource "aws_iam_role_policy_attachment" "instance_ssm" {
  role       = aws_iam_role.instance.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "instance" {
  name = "${var.resource_prefix}-ecs-instance"
  role = aws_iam_role.instance.name
}

resource "aws_launch_template" "instance" {
  name_prefix   = "${var.resource_prefix}-ecs-"
  image_id      = data.aws_ssm_parameter.ecs_ami.value
  instance_type = var.instance_type

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }
  vpc_security_group_ids = [var.instance_sg_id]

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
    # 1: containers (bridge network) cannot reach the instance's credentials.
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 30
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  user_data = base64encode(<<-EOT
    #!/bin/bash
    echo "ECS_CLUSTER=${aws_ecs_cluster.this.name}" >> /etc/ecs/ecs.config
    echo "ECS_ENABLE_CONTAINER_METADATA=true" >> /etc/ecs/ecs.config
  EOT
  )
}

resource "aws_autoscaling_group" "instance" {
  name                  = "${var.resource_prefix}-ecs"
  vpc_zone_identifier   = var.private_subnet_ids
  min_size              = var.asg_min_size
  max_size              = var.asg_max_size
  protect_from_scale_in = true
  health_check_type     = "EC2"
  # The instances are protected from scale-in (ECS managed termination protection), so a
  # destroy that only lowers the desired count would wait for ever: terminate them instead.
  force_delete = true

  launch_template {
    id      = aws_launch_template.instance.id
    version = "$Latest"
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }
  tag {
    key                 = "Name"
    value               = "${var.resource_prefix}-ecs"
    propagate_at_launch = true
  }

  lifecycle {
    # The capacity provider changes the desired capacity.
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "this" {
  name = "${var.resource_prefix}-ec2"
  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.instance.arn
    managed_termination_protection = "ENABLED"
    managed_scaling {
      status          = "ENABLED"
      target_capacity = 100
    }
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = [aws_ecs_capacity_provider.this.name]
  default_capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.this.name
    weight            = 1
  }
}

# --- tasks ---------------------------------------------------------------------------------

resource "aws_iam_role" "task_execution" {
  name = "${var.resource_prefix}-ecs-task-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "task_execution" {
  role       = aws_iam_role.task_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

# Exactly the two secrets of ecs-params.yml, and the ECR key to pull images.
resource "aws_iam_role_policy" "task_secrets" {
  name = "read-board-secrets"
  role = aws_iam_role.task_execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["ssm:GetParameters"]
        Resource = var.secret_parameter_arns
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.secrets_kms_key_arn, aws_kms_key.ecr.arn]
      },
    ]
  })
}

locals {
  registry = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${var.aws_region}.amazonaws.com"
  log_options = {
    awslogs-group  = var.log_group_name
    awslogs-region = var.aws_region
  }
}

# The task definition's first revision, so that the service can exist before the first deploy.
# Deploys (`_terraform/deploy.sh`) register the next revisions from the current one with only
# the image tags changed, so this is the one source of the task's shape; ecs-cli users deploy
# docker-compose.ecs.yml + ecs-params.yml instead, which CI checks field by field against it.
resource "aws_ecs_task_definition" "bootstrap" {
  family             = var.resource_prefix
  network_mode       = "bridge"
  execution_role_arn = aws_iam_role.task_execution.arn
  container_definitions = jsonencode([
    {
      name                   = "nginx"
      image                  = "${aws_ecr_repository.images["nginx"].repository_url}:bootstrap"
      essential              = true
      cpu                    = 128
      memory                 = 64
      memoryReservation      = 32
      links                  = ["app"]
      readonlyRootFilesystem = true
      linuxParameters        = { tmpfs = [{ containerPath = "/tmp", size = 64 }] }
      portMappings           = [{ containerPort = 8080, hostPort = 80, protocol = "tcp" }]
      healthCheck            = { command = ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/nginx-health"], interval = 10, timeout = 3, retries = 3, startPeriod = 10 }
      # nginx finishes open requests on SIGQUIT (its image's stop signal).
      stopTimeout      = 30
      logConfiguration = { logDriver = "awslogs", options = merge(local.log_options, { awslogs-stream-prefix = "nginx" }) }
    },
    {
      name                   = "app"
      image                  = "${aws_ecr_repository.images["app"].repository_url}:bootstrap"
      essential              = true
      cpu                    = 384
      memory                 = 384
      memoryReservation      = 64
      readonlyRootFilesystem = true
      # The search index (SEARCH_INDEX_DIR's default): the task's own, built from the
      # database at start (~60 MiB at 1,000,000 posts); it counts against `memory`.
      linuxParameters = { tmpfs = [{ containerPath = "/home/nonroot/board-search", size = 128 }] }
      environment = [
        { name = "MYSQL_HOST", value = var.db_host },
        { name = "MYSQL_PORT", value = "3306" },
        { name = "MYSQL_USER", value = "board" },
        { name = "MYSQL_DATABASE", value = "board" },
        { name = "MYSQL_SSL_MODE", value = "required" },
        { name = "DB_POOL_SIZE", value = tostring(var.db_pool_size) },
        { name = "LOG_FORMAT", value = "json" },
        { name = "RUST_LOG", value = "info" },
        { name = "TRUSTED_PROXIES", value = "172.17.0.0/16,10.0.0.0/16" },
      ]
      secrets = [
        { name = "JWT_SECRET_KEY", valueFrom = "/${var.resource_prefix}/jwt-secret-key" },
        { name = "MYSQL_PASSWORD", valueFrom = "/${var.resource_prefix}/db-password" },
      ]
      healthCheck = { command = ["CMD", "/usr/local/bin/board", "--healthcheck"], interval = 10, timeout = 3, retries = 3, startPeriod = 15 }
      # Longer than the app's own drain (25 s) after SIGTERM.
      stopTimeout      = 30
      logConfiguration = { logDriver = "awslogs", options = merge(local.log_options, { awslogs-stream-prefix = "app" }) }
    },
  ])
}

resource "aws_ecs_service" "this" {
  name            = var.resource_prefix
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.bootstrap.arn
  desired_count   = var.service_min_count

  capacity_provider_strategy {
    capacity_provider = aws_ecs_capacity_provider.this.name
    weight            = 1
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = "nginx"
    container_port   = 8080
  }
  # A new task needs its start period (15 s) and two passing ALB checks 15 s apart.
  health_check_grace_period_seconds = 60

  ordered_placement_strategy {
    type  = "spread"
    field = "attribute:ecs.availability-zone"
  }

  lifecycle {
    # Deploys register new revisions; auto scaling sets the count.
    ignore_changes = [task_definition, desired_count]
  }

  depends_on = [aws_ecs_cluster_capacity_providers.this]
}

# --- service auto scaling on CPU -------------------------------------------------------------

resource "aws_appautoscaling_target" "service" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.service_min_count
  max_capacity       = var.service_max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.resource_prefix}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service.service_namespace
  resource_id        = aws_appautoscaling_target.service.resource_id
  scalable_dimension = aws_appautoscaling_target.service.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.service_cpu_target
    scale_in_cooldown  = 120
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
