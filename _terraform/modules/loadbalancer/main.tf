locals {
  https = var.certificate_arn != ""
}

resource "aws_lb" "this" {
  # checkov:skip=CKV2_AWS_76:The WAF has AWSManagedRulesKnownBadInputsRuleSet (Log4j); this check also demands AWSManagedRulesAnonymousIpList, which would refuse every client behind a VPN or a cloud host.
  # checkov:skip=CKV_AWS_91:Access logs need an S3 bucket and its policy per region; turn them on per deployment if required.
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
  name        = "${var.resource_prefix}-nginx"
  port        = 80
  protocol    = "HTTP"
  target_type = "instance"
  vpc_id      = var.vpc_id
  # Draining, in order: the ALB stops sending a task new requests and gives the open ones this
  # long (nginx waits 35 s at most for the app: proxy_read_timeout); only then does ECS stop
  # the containers, and the app's own 25 s drain (stopTimeout 30 s) finds little left to do.
  deregistration_delay = 35

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

# The app limits logins per client address, but per task: with N tasks a client gets N times
# the limit. The WAF counts per address across all of them, before any task is reached.
resource "aws_wafv2_web_acl" "this" {
  # checkov:skip=CKV2_AWS_31:WAF request logs need a Firehose or an aws-waf-logs-* log group per deployment; the ALB's metrics and the rules' CloudWatch metrics are on.
  name        = "${var.resource_prefix}-alb"
  description = "Rate limits in front of the board API"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "login-rate"
    priority = 1
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit                 = var.waf_login_limit
        evaluation_window_sec = 300
        aggregate_key_type    = "IP"
        scope_down_statement {
          and_statement {
            statement {
              byte_match_statement {
                search_string         = "POST"
                positional_constraint = "EXACTLY"
                field_to_match {
                  method {}
                }
                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
            statement {
              byte_match_statement {
                search_string         = "/api/user/login"
                positional_constraint = "EXACTLY"
                field_to_match {
                  uri_path {}
                }
                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.resource_prefix}-login-rate"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "per-ip-ceiling"
    priority = 2
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit                 = var.waf_ip_limit
        evaluation_window_sec = 300
        aggregate_key_type    = "IP"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.resource_prefix}-per-ip-ceiling"
      sampled_requests_enabled   = true
    }
  }

  # Known-bad request patterns (Log4Shell and the like), maintained by AWS.
  rule {
    name     = "known-bad-inputs"
    priority = 3
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.resource_prefix}-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.resource_prefix}-alb"
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "alb" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}
