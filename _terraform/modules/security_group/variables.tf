variable "resource_prefix" {
  description = "Prefix of resource names."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}
