variable "resource_prefix" {
  description = "Prefix of resource names."
  type        = string
}

variable "aws_region" {
  description = "Region (for the registry host and log options)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the container instances."
  type        = list(string)
}

variable "instance_sg_id" {
  description = "Security group of the container instances."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
}

variable "asg_min_size" {
  description = "Minimum instances."
  type        = number
}

variable "asg_max_size" {
  description = "Maximum instances."
  type        = number
}

variable "service_min_count" {
  description = "Minimum tasks."
  type        = number
}

variable "service_max_count" {
  description = "Maximum tasks."
  type        = number
}

variable "service_cpu_target" {
  description = "Target average CPU percent."
  type        = number
}

variable "target_group_arn" {
  description = "ALB target group of nginx."
  type        = string
}

variable "log_group_name" {
  description = "CloudWatch log group of the containers."
  type        = string
}

variable "db_host" {
  description = "RDS endpoint host."
  type        = string
}

variable "secrets_kms_key_arn" {
  description = "KMS key of the secret parameters."
  type        = string
}

variable "secret_parameter_arns" {
  description = "SSM parameters the task execution role may read."
  type        = list(string)
}

variable "db_pool_size" {
  description = "DB_POOL_SIZE of each task."
  type        = number
}
