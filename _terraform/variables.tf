variable "aws_region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "ap-northeast-2"
}

variable "resource_prefix" {
  description = "Prefix of every resource name. ecs-params.yml assumes \"board\" (its SSM parameter and role names)."
  type        = string
  default     = "board"
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC (TRUSTED_PROXIES in docker-compose.ecs.yml names it)."
  type        = string
  default     = "10.0.0.0/16"
}

variable "certificate_arn" {
  description = "ACM certificate for an HTTPS listener; empty for HTTP only."
  type        = string
  default     = ""
}

variable "instance_type" {
  description = "EC2 instance type of the ECS container instances."
  type        = string
  default     = "t3.small"
}

variable "asg_min_size" {
  description = "Minimum number of container instances."
  type        = number
  default     = 1
}

variable "asg_max_size" {
  description = "Maximum number of container instances."
  type        = number
  default     = 4
}

variable "service_min_count" {
  description = "Minimum number of running tasks (service auto scaling)."
  type        = number
  default     = 1
}

variable "service_max_count" {
  description = "Maximum number of running tasks (service auto scaling)."
  type        = number
  default     = 4
}

variable "service_cpu_target" {
  description = "Average service CPU (percent) that auto scaling keeps."
  type        = number
  default     = 60
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
}

variable "db_allocated_storage" {
  description = "RDS storage in GiB."
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "Run RDS with a standby in a second AZ."
  type        = bool
  default     = false
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (turn off only to tear down)."
  type        = bool
  default     = true
}

variable "db_password_version" {
  description = "Bump to generate and write a new database password (it is never in the state)."
  type        = number
  default     = 1
}

variable "jwt_secret_version" {
  description = "Bump to generate and write a new JWT signing key (it is never in the state)."
  type        = number
  default     = 1
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer (turn off only to tear down)."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of automated RDS backups."
  type        = number
  default     = 7
}

variable "log_retention_days" {
  description = "Days to keep container logs in CloudWatch."
  type        = number
  default     = 30
}

variable "alarm_email" {
  description = "Email address that receives alarm notifications (confirm the subscription mail); empty for none."
  type        = string
  default     = ""
}

variable "waf_login_limit" {
  description = "Logins (POST /api/user/login) one client address may try in 5 minutes, counted by the WAF across every task; the app's own LOGIN_RATE_PER_MINUTE counts per task."
  type        = number
  default     = 100
  validation {
    condition     = var.waf_login_limit >= 10
    error_message = "AWS WAF rate limits start at 10 requests per 5 minutes."
  }
}

variable "waf_ip_limit" {
  description = "Requests of any kind one client address may make in 5 minutes (the WAF's per-address ceiling)."
  type        = number
  default     = 6000
  validation {
    condition     = var.waf_ip_limit >= 10
    error_message = "AWS WAF rate limits start at 10 requests per 5 minutes."
  }
}

variable "app_db_pool_size" {
  description = "DB_POOL_SIZE of each task: it opens up to twice this many database connections (writes, and as many single-statement reads)."
  type        = number
  default     = 8
}

variable "db_max_connections" {
  description = "The database's max_connections; must cover every task at full scale: service_max_count × 2 × app_db_pool_size, plus 10 for administration."
  type        = number
  default     = 100
  validation {
    condition     = var.db_max_connections >= var.service_max_count * 2 * var.app_db_pool_size + 10
    error_message = "db_max_connections is below service_max_count × 2 × app_db_pool_size + 10: at full scale the tasks would be refused connections. Raise it (and the instance class), or lower the pool size or the task count."
  }
}
