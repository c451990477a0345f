output "alb_sg_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.alb.id
}

output "instance_sg_id" {
  description = "Security group of the ECS instances."
  value       = aws_security_group.instance.id
}

output "db_sg_id" {
  description = "Security group of the database."
  value       = aws_security_group.db.id
}
