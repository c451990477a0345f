# ALB (public subnets) → nginx + app tasks on ECS/EC2 (private subnets) → RDS MySQL (private subnets).

module "network" {
  source          = "./modules/network"
  resource_prefix = var.resource_prefix
  vpc_cidr        = var.vpc_cidr
}

module "security_group" {
  source          = "./modules/security_group"
  resource_prefix = var.resource_prefix
  vpc_id          = module.network.vpc_id
}

module "loadbalancer" {
  source              = "./modules/loadbalancer"
  resource_prefix     = var.resource_prefix
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  alb_sg_id           = module.security_group.alb_sg_id
  certificate_arn     = var.certificate_arn
  deletion_protection = var.alb_deletion_protection
  waf_login_limit     = var.waf_login_limit
  waf_ip_limit        = var.waf_ip_limit
}

module "database" {
  source                = "./modules/database"
  resource_prefix       = var.resource_prefix
  private_subnet_ids    = module.network.private_subnet_ids
  db_sg_id              = module.security_group.db_sg_id
  instance_class        = var.db_instance_class
  allocated_storage     = var.db_allocated_storage
  multi_az              = var.db_multi_az
  deletion_protection   = var.db_deletion_protection
  password_version      = var.db_password_version
  backup_retention_days = var.db_backup_retention_days
  max_connections       = var.db_max_connections
  secrets_kms_key_arn   = aws_kms_key.secrets.arn
}

module "monitoring" {
  source             = "./modules/monitoring"
  resource_prefix    = var.resource_prefix
  log_retention_days = var.log_retention_days
  alarm_email        = var.alarm_email
  alb_arn_suffix     = module.loadbalancer.alb_arn_suffix
  tg_arn_suffix      = module.loadbalancer.target_group_arn_suffix
  cluster_name       = module.ecs.cluster_name
  service_name       = module.ecs.service_name
  db_instance_id     = module.database.instance_id
}

module "ecs" {
  source              = "./modules/ecs"
  resource_prefix     = var.resource_prefix
  aws_region          = var.aws_region
  private_subnet_ids  = module.network.private_subnet_ids
  instance_sg_id      = module.security_group.instance_sg_id
  instance_type       = var.instance_type
  asg_min_size        = var.asg_min_size
  asg_max_size        = var.asg_max_size
  service_min_count   = var.service_min_count
  service_max_count   = var.service_max_count
  service_cpu_target  = var.service_cpu_target
  target_group_arn    = module.loadbalancer.target_group_arn
  log_group_name      = module.monitoring.log_group_name
  db_host             = module.database.address
  db_pool_size        = var.app_db_pool_size
  secrets_kms_key_arn = aws_kms_key.secrets.arn
  secret_parameter_arns = [
    module.database.password_parameter_arn,
    aws_ssm_parameter.jwt_secret_key.arn,
  ]
}

# The JWT signing key: an ephemeral random value (never in a plan or the state), written once
# with a write-only argument to an encrypted SSM parameter, and handed to the app by ECS
# (ecs-params.yml `secrets`). Bump `jwt_secret_version` to rotate it (every session ends).
ephemeral "aws_secretsmanager_random_password" "jwt_secret_key" {
  password_length     = 64
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "jwt_secret_key" {
  name             = "/${var.resource_prefix}/jwt-secret-key"
  description      = "HS256 key that signs the board API's access tokens"
  type             = "SecureString"
  key_id           = aws_kms_key.secrets.arn
  value_wo         = ephemeral.aws_secretsmanager_random_password.jwt_secret_key.random_password
  value_wo_version = var.jwt_secret_version
}

data "aws_caller_identity" "current" {}

# Encrypts both secrets; only the account (and through it the task execution role) may use it.
resource "aws_kms_key" "secrets" {
  description         = "${var.resource_prefix} application secrets"
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
