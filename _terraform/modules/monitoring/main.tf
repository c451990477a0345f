# Container logs, and alarms that mail the operators: ALB 5xx, unhealthy targets, service
# CPU/memory, database CPU and free storage.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

resource "aws_kms_key" "logs" {
  description         = "${var.resource_prefix} container logs and alarm topic"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Account"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "LogsAndAlarms"
        Effect    = "Allow"
        Principal = { Service = ["logs.${data.aws_region.current.name}.amazonaws.com", "cloudwatch.amazonaws.com"] }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "containers" {
  # checkov:skip=CKV_AWS_338:Container logs are operational; a year of retention is a per-deployment choice (log_retention_days).
  name              = "/ecs/${var.resource_prefix}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.resource_prefix}-alarms"
  kms_master_key_id = aws_kms_key.logs.id
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarms = {
    alb-5xx = {
      namespace  = "AWS/ApplicationELB"
      metric     = "HTTPCode_ELB_5XX_Count"
      statistic  = "Sum"
      threshold  = 10
      comparison = "GreaterThanOrEqualToThreshold"
      dimensions = { LoadBalancer = var.alb_arn_suffix }
    }
    target-5xx = {
      namespace  = "AWS/ApplicationELB"
      metric     = "HTTPCode_Target_5XX_Count"
      statistic  = "Sum"
      threshold  = 10
      comparison = "GreaterThanOrEqualToThreshold"
      dimensions = { LoadBalancer = var.alb_arn_suffix }
    }
    unhealthy-targets = {
      namespace  = "AWS/ApplicationELB"
      metric     = "UnHealthyHostCount"
      statistic  = "Maximum"
      threshold  = 1
      comparison = "GreaterThanOrEqualToThreshold"
      dimensions = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.tg_arn_suffix }
    }
    service-cpu = {
      namespace  = "AWS/ECS"
      metric     = "CPUUtilization"
      statistic  = "Average"
      threshold  = 85
      comparison = "GreaterThanOrEqualToThreshold"
      dimensions = { ClusterName = var.cluster_name, ServiceName = var.service_name }
    }
    service-memory = {
      namespace  = "AWS/ECS"
      metric     = "MemoryUtilization"
      statistic  = "Average"
      threshold  = 85
      comparison = "GreaterThanOrEqualToThreshold"
      dimensions = { ClusterName = var.cluster_name, ServiceName = var.service_name }
    }
    db-cpu = {
      namespace  = "AWS/RDS"
      metric     = "CPUUtilization"
      statistic  = "Average"
      threshold  = 80
      comparison = "GreaterThanOrEqualToThreshold"
      dimensions = { DBInstanceIdentifier = var.db_instance_id }
    }
    db-free-storage = {
      namespace  = "AWS/RDS"
      metric     = "FreeStorageSpace"
      statistic  = "Minimum"
      threshold  = 2 * 1024 * 1024 * 1024
      comparison = "LessThanOrEqualToThreshold"
      dimensions = { DBInstanceIdentifier = var.db_instance_id }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = local.alarms
  alarm_name          = "${var.resource_prefix}-${each.key}"
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  dimensions          = each.value.dimensions
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
