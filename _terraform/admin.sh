#!/usr/bin/env bash
# Runs one `board admin ...` command (e.g. the first admin) against the production database,
# as a one-off ECS task on the cluster that `terraform apply` (in this folder) created. Needs
# only Terraform and the AWS CLI.
#   1. registers a revision of the family "<task family>-admin": the app container of the
#      service's current revision alone (same image, environment and secrets; no nginx, which
#      binds host port 80 and so could not be placed beside the service's own task);
#   2. starts it with the command overridden, waits until it stops and exits with its code.
#
# Usage: _terraform/admin.sh set-role EMAIL ROLE
#   ADMIN_WAIT=false  start the task and do not wait for it (CI's mock AWS runs no containers)
#   TERRAFORM_DIR     where the Terraform state is (default: this folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tf_dir=${TERRAFORM_DIR:-$here}
[ "$#" -ge 1 ] || { echo "usage: $0 set-role EMAIL ROLE" >&2; exit 2; }
# The words go into a JSON document: only what an email, a role or a subcommand needs.
for word in "$@"; do
  case $word in
    '' | *[!A-Za-z0-9@._+-]*) echo "admin: '$word' has a character this script does not pass on" >&2; exit 2 ;;
  esac
done

output() { terraform -chdir="$tf_dir" output -raw "$1"; }
region=$(output aws_region)
cluster=$(output cluster_name)
service=$(output service_name)
family="$(output task_family)-admin"
ecs() { aws ecs --region "$region" "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
current=$(ecs describe-services --cluster "$cluster" --services "$service" \
  --query 'services[0].taskDefinition' --output text)
ecs describe-task-definition --task-definition "$current" \
  --query "taskDefinition.containerDefinitions[?name=='app']" --output json >"$work/app.json"
grep -q '"name": *"app"' "$work/app.json" \
  || { echo "admin: the service's task definition ($current) has no app container" >&2; exit 1; }
read -r execution_role network_mode < <(ecs describe-task-definition --task-definition "$current" \
  --query 'taskDefinition.[executionRoleArn, networkMode]' --output text)
revision=$(ecs register-task-definition --family "$family" --network-mode "$network_mode" \
  --execution-role-arn "$execution_role" --container-definitions "file://$work/app.json" \
  --query 'taskDefinition.taskDefinitionArn' --output text)
echo "admin: registered $revision (the app container of $current)"

command_json=$(printf '"%s",' admin "$@")
overrides="{\"containerOverrides\":[{\"name\":\"app\",\"command\":[${command_json%,}]}]}"
task=$(ecs run-task --cluster "$cluster" --task-definition "$revision" --count 1 \
  --started-by board-admin --overrides "$overrides" --query 'tasks[0].taskArn' --output text)
[ -n "$task" ] && [ "$task" != None ] || { echo "admin: the task could not be placed" >&2; exit 1; }
echo "admin: started $task: board admin $*"
if [ "${ADMIN_WAIT:-true}" != true ]; then
  echo "admin: not waited for"
  exit 0
fi
ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"
code=$(ecs describe-tasks --cluster "$cluster" --tasks "$task" \
  --query "tasks[0].containers[?name=='app'] | [0].exitCode" --output text)
echo "admin: the task exited with $code (its output is in CloudWatch Logs, stream prefix app)"
[ "$code" = 0 ]
