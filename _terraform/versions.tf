terraform {
  required_version = ">= 1.11" # ephemeral resources and write-only arguments

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100" # aws_secretsmanager_random_password (ephemeral), value_wo, password_wo
    }
  }
}
