output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "Subnets of the ALB."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Subnets of the instances and the database."
  value       = aws_subnet.private[*].id
}
