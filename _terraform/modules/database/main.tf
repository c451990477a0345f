# RDS MySQL 8 in the private subnets: encrypted, backed up, reachable only from the instances.
# The master password is generated here (an ephemeral value: never in a plan or the state)
# and written with write-only arguments to RDS and to an encrypted SSM parameter, from which
# ECS hands it to the app. A new one is made and written only when `password_version` changes.

ephemeral "aws_secretsmanager_random_password" "db" {
  password_length     = 40
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "db_password" {
  name             = "/${var.resource_prefix}/db-password"
  description      = "Password of the board database user"
  type             = "SecureString"
  key_id           = var.secrets_kms_key_arn
  value_wo         = ephemeral.aws_secretsmanager_random_password.db.random_password
  value_wo_version = var.password_version
}

resource "aws_db_subnet_group" "this" {
  name       = "${var.resource_prefix}-db"
  subnet_ids = var.private_subnet_ids
}

resource "aws_db_parameter_group" "this" {
  name   = "${var.resource_prefix}-mysql8"
  family = "mysql8.0"

  # Only TLS connections (the app connects with MYSQL_SSL_MODE=required).
  parameter {
    name  = "require_secure_transport"
    value = "1"
  }
  # Checked against the tasks' pools at full scale (the root's db_max_connections validation).
  parameter {
    name  = "max_connections"
    value = tostring(var.max_connections)
  }
  parameter {
    name  = "character_set_server"
    value = "utf8mb4"
  }
  parameter {
    name  = "collation_server"
    value = "utf8mb4_unicode_ci"
  }
}

resource "aws_iam_role" "monitoring" {
  name = "${var.resource_prefix}-rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  # checkov:skip=CKV_AWS_161:The app authenticates with a password from SSM; IAM database auth would need short-lived tokens the app does not fetch.
  # checkov:skip=CKV_AWS_157:Multi-AZ doubles the cost; it is the db_multi_az variable, to turn on for production.
  # checkov:skip=CKV2_AWS_60:Copying tags to snapshots is set; this check misfires on multi_az being a variable.
  identifier                      = "${var.resource_prefix}-mysql"
  engine                          = "mysql"
  engine_version                  = "8.0"
  instance_class                  = var.instance_class
  allocated_storage               = var.allocated_storage
  max_allocated_storage           = var.allocated_storage * 5
  storage_type                    = "gp3"
  storage_encrypted               = true
  db_name                         = "board"
  username                        = "board"
  password_wo                     = ephemeral.aws_secretsmanager_random_password.db.random_password
  password_wo_version             = var.password_version
  db_subnet_group_name            = aws_db_subnet_group.this.name
  parameter_group_name            = aws_db_parameter_group.this.name
  vpc_security_group_ids          = [var.db_sg_id]
  publicly_accessible             = false
  multi_az                        = var.multi_az
  backup_retention_period         = var.backup_retention_days
  backup_window                   = "18:00-19:00"
  maintenance_window              = "sun:19:30-sun:20:30"
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = false
  final_snapshot_identifier       = "${var.resource_prefix}-mysql-final"
  copy_tags_to_snapshot           = true
  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["error", "slowquery"]
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.monitoring.arn
  performance_insights_enabled    = false
}
