output "address" {
  description = "Endpoint host name."
  value       = aws_db_instance.this.address
}

output "instance_id" {
  description = "For CloudWatch metrics."
  value       = aws_db_instance.this.identifier
}

output "password_parameter_arn" {
  description = "SSM parameter that holds the password."
  value       = aws_ssm_parameter.db_password.arn
}
