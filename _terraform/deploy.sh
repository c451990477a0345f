#!/usr/bin/env bash
# Deploys this checkout to the ECS service that `terraform apply` (in this folder) created.
# Needs only Terraform, Docker and the AWS CLI:
#   1. builds the app and nginx images and pushes them to ECR with the tag;
#   2. registers a task definition revision: the service's current one with only the image
#      tags changed (Terraform's bootstrap revision is the one source of the task's shape);
#   3. points the service at it (rolling: 100% stays healthy, up to 200% during the deploy,
#      the circuit breaker rolls back a failing revision) and waits until it is stable.
#
# Usage: _terraform/deploy.sh [TAG]        TAG defaults to the checkout's short commit id.
#   DEPLOY_PUSH_IMAGES=false  skip step 1 (the images with TAG are in ECR already; CI's mock AWS
#                             has no registry to push to)
#   DEPLOY_WAIT=false         do not wait for the service to be stable (CI's mock AWS runs no
#                             tasks, so it never is)
#   TERRAFORM_DIR             where the Terraform state is (default: this folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
tf_dir=${TERRAFORM_DIR:-$here}
tag=${1:-$(git -C "$repo" rev-parse --short=12 HEAD)}
case $tag in
  bootstrap | *[!A-Za-z0-9_.-]*) echo "deploy: '$tag' is not a usable image tag" >&2; exit 2 ;;
esac

output() { terraform -chdir="$tf_dir" output -raw "$1"; }
region=$(output aws_region)
cluster=$(output cluster_name)
service=$(output service_name)
family=$(output task_family)
registry=$(output ecr_registry)
app_repo=$(terraform -chdir="$tf_dir" output -json ecr_repositories | sed -E 's/.*"app": *"([^"]+)".*/\1/')
nginx_repo=$(terraform -chdir="$tf_dir" output -json ecr_repositories | sed -E 's/.*"nginx": *"([^"]+)".*/\1/')
ecs() { aws ecs --region "$region" "$@"; }
echo "deploy: $tag to service $service of cluster $cluster ($region)"

if [ "${DEPLOY_PUSH_IMAGES:-true}" = true ]; then
  docker build -t "$app_repo:$tag" "$repo"
  docker build -t "$nginx_repo:$tag" "$repo/nginx"
  aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
  # The repositories' tags are immutable: a tag that is there already is that same build.
  docker push "$app_repo:$tag"
  docker push "$nginx_repo:$tag"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
current=$(ecs describe-services --cluster "$cluster" --services "$service" \
  --query 'services[0].taskDefinition' --output text)
ecs describe-task-definition --task-definition "$current" \
  --query 'taskDefinition.containerDefinitions' --output json >"$work/current.json"
quote() { printf '%s' "$1" | sed 's/[.[\*^$/]/\\&/g'; }
sed -E -e "s/\"($(quote "$app_repo")):[^\"]*\"/\"\\1:$tag\"/" \
  -e "s/\"($(quote "$nginx_repo")):[^\"]*\"/\"\\1:$tag\"/" "$work/current.json" >"$work/next.json"
grep -q "\"$app_repo:$tag\"" "$work/next.json" && grep -q "\"$nginx_repo:$tag\"" "$work/next.json" \
  || { echo "deploy: the current task definition ($current) has no image of $app_repo / $nginx_repo" >&2; exit 1; }
read -r execution_role network_mode < <(ecs describe-task-definition --task-definition "$current" \
  --query 'taskDefinition.[executionRoleArn, networkMode]' --output text)
revision=$(ecs register-task-definition --family "$family" --network-mode "$network_mode" \
  --execution-role-arn "$execution_role" --container-definitions "file://$work/next.json" \
  --query 'taskDefinition.taskDefinitionArn' --output text)
echo "deploy: registered $revision (from $current)"
ecs update-service --cluster "$cluster" --service "$service" --task-definition "$revision" \
  --query 'service.taskDefinition' --output text >"$work/updated"
[ "$(cat "$work/updated")" = "$revision" ] || { echo "deploy: the service did not take $revision" >&2; exit 1; }
if [ "${DEPLOY_WAIT:-true}" = true ]; then
  echo "deploy: waiting until the service is stable (new tasks healthy behind the ALB, old ones drained)"
  ecs wait services-stable --cluster "$cluster" --services "$service"
  echo "deploy: $service runs $revision"
else
  echo "deploy: $service is rolling over to $revision (not waited for)"
fi
