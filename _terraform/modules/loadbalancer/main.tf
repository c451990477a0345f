locals {
  https = var.certificate_arn != ""
}

resource "aws_lb" "this" {
  # checkov:skip=CKV_AWS_91:Access logs need an S3 bucket and its policy per region; turn them on per deployment if required.
  # checkov:skip=CKV2_AWS_28:A WAF is a per-deployment choice (and cost); nothing in the API needs one to be safe.
  name                       = "${var.resource_prefix}-alb"
  load_balancer_type         = "application"
  internal                   = false #tfsec:ignore:aws-elb-alb-not-public
  security_groups            = [var.alb_sg_id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60
}

# nginx on the instances (host port 80), checked through to the app's liveness endpoint.
resource "aws_lb_target_group" "nginx" {
  # checkov:skip=CKV_AWS_378:TLS ends at the ALB; ALB → nginx is HTTP inside the VPC, between two security groups.
  name                 = "${var.resource_prefix}-nginx"
  port                 = 80
  protocol             = "HTTP"
  target_type          = "instance"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/health"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  # checkov:skip=CKV_AWS_2:Plain HTTP is served only when no certificate is configured; with one, this listener redirects to HTTPS.
  # checkov:skip=CKV_AWS_103:TLS policy applies to the HTTPS listener; this one is HTTP.
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.nginx.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}

resource "aws_lb_listener" "https" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.nginx.arn
  }
}
