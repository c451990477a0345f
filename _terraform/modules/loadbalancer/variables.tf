variable "resource_prefix" {
  description = "Prefix of resource names."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "public_subnet_ids" {
  description = "Subnets of the ALB."
  type        = list(string)
}

variable "alb_sg_id" {
  description = "Security group of the ALB."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS; empty for HTTP only."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer."
  type        = bool
}

variable "waf_login_limit" {
  description = "POST /api/user/login requests one client address may make in 5 minutes, across all tasks."
  type        = number
}

variable "waf_ip_limit" {
  description = "Requests one client address may make in 5 minutes, across all tasks."
  type        = number
}
