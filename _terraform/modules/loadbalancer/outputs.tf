output "dns_name" {
  description = "DNS name of the ALB."
  value       = aws_lb.this.dns_name
}

output "alb_arn_suffix" {
  description = "For CloudWatch metrics."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn" {
  description = "Target group of the nginx containers."
  value       = aws_lb_target_group.nginx.arn
}

output "target_group_arn_suffix" {
  description = "For CloudWatch metrics."
  value       = aws_lb_target_group.nginx.arn_suffix
}
