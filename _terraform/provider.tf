# Credentials come from the standard AWS chain (AWS_PROFILE, SSO, instance role...):
# no access keys in variables or files.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project   = var.resource_prefix
      ManagedBy = "terraform"
    }
  }
}
