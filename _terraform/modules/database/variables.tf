variable "resource_prefix" {
  description = "Prefix of resource names."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the database."
  type        = list(string)
}

variable "db_sg_id" {
  description = "Security group of the database."
  type        = string
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "allocated_storage" {
  description = "Storage in GiB."
  type        = number
}

variable "multi_az" {
  description = "Standby in a second AZ."
  type        = bool
}

variable "deletion_protection" {
  description = "Refuse deletion."
  type        = bool
}

variable "secrets_kms_key_arn" {
  description = "KMS key that encrypts the password parameter."
  type        = string
}

variable "backup_retention_days" {
  description = "Days of automated backups."
  type        = number
}

variable "password_version" {
  description = "Bump to make and write a new master password (write-only: it is never in the state)."
  type        = number
}

variable "max_connections" {
  description = "The database's max_connections."
  type        = number
}
