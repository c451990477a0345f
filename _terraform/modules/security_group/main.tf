# ALB: open to the world on 80/443. Instances: only from the ALB. Database: only from the instances.

# The groups are attached in other modules (ALB, launch template, RDS), which checkov does
# not follow across module boundaries: hence the CKV2_AWS_5 skips.
resource "aws_security_group" "alb" {
  # checkov:skip=CKV2_AWS_5:Attached to the ALB in modules/loadbalancer.
  name        = "${var.resource_prefix}-alb"
  description = "Public HTTP(S) into the load balancer"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "instance" {
  # checkov:skip=CKV2_AWS_5:Attached through the launch template in modules/ecs.
  name        = "${var.resource_prefix}-instance"
  description = "ECS container instances: nginx port from the ALB only"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "db" {
  # checkov:skip=CKV2_AWS_5:Attached to the RDS instance in modules/database.
  name        = "${var.resource_prefix}-db"
  description = "MySQL from the ECS instances only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  # checkov:skip=CKV_AWS_260:A public API behind an ALB must accept HTTP on 80 (it redirects to HTTPS when a certificate is set).
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from anywhere"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "alb_to_instances" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To nginx on the instances"
  referenced_security_group_id = aws_security_group.instance.id
  ip_protocol                  = "tcp"
  from_port                    = 80
  to_port                      = 80
}

resource "aws_vpc_security_group_ingress_rule" "instance_from_alb" {
  # checkov:skip=CKV_AWS_260:The source is the ALB's security group, not 0.0.0.0/0.
  security_group_id            = aws_security_group.instance.id
  description                  = "nginx from the ALB"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 80
  to_port                      = 80
}

resource "aws_vpc_security_group_egress_rule" "instance_https" {
  security_group_id = aws_security_group.instance.id
  description       = "HTTPS to AWS APIs (ECR, ECS, SSM, CloudWatch) through the NAT gateway"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "instance_to_db" {
  security_group_id            = aws_security_group.instance.id
  description                  = "MySQL on RDS"
  referenced_security_group_id = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_vpc_security_group_ingress_rule" "db_from_instances" {
  security_group_id            = aws_security_group.db.id
  description                  = "MySQL from the ECS instances"
  referenced_security_group_id = aws_security_group.instance.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}
