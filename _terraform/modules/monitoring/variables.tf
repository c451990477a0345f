variable "resource_prefix" {
  description = "Prefix of resource names."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep container logs."
  type        = number
}

variable "alarm_email" {
  description = "Where alarms are mailed; empty for none."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ALB metric dimension."
  type        = string
}

variable "tg_arn_suffix" {
  description = "Target group metric dimension."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster."
  type        = string
}

variable "service_name" {
  description = "ECS service."
  type        = string
}

variable "db_instance_id" {
  description = "RDS instance identifier."
  type        = string
}
