"""Checks the task definition that ECS runs after a deploy, and that the ecs-cli files say the same.

python task_definition.py REGISTERED.json TAG REGISTRY
  REGISTERED.json: `aws ecs describe-task-definition --query taskDefinition` of the revision
  that _terraform/deploy.sh registered (shape: Terraform's bootstrap revision).

1. The rules ECS needs: images from ECR with the deploy's tag, ports, health checks, secrets by
   valueFrom (never plain environment), awslogs, cpu/memory, essential, stopTimeout above the
   app's 25 s drain.
2. docker-compose.ecs.yml + ecs-params.yml, translated the way ecs-cli translates them, give
   the same containers field by field (ecs-cli cannot be installed here; this is its mapping).
"""
import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP_DRAIN_SECONDS = 25  # SHUTDOWN_GRACE in src/startup.rs
SECRETS = {"JWT_SECRET_KEY", "MYSQL_PASSWORD"}
checks = 0


def check(condition, what):
    global checks
    assert condition, what
    checks += 1


def rules(task, tag, registry):
    containers = {c["name"]: c for c in task["containerDefinitions"]}
    check(set(containers) == {"app", "nginx"}, f"containers: {sorted(containers)}")
    check(task["networkMode"] == "bridge", task["networkMode"])
    check(task["executionRoleArn"].startswith("arn:aws:iam::"), task["executionRoleArn"])
    for name, container in containers.items():
        check(container["image"] == f"{registry}/board-{name}:{tag}", container["image"])
        check(container["essential"] is True, f"{name} not essential")
        check(container["cpu"] > 0 and container["memory"] >= container["memoryReservation"] > 0, name)
        check(container["readonlyRootFilesystem"] is True, f"{name} root filesystem writable")
        check(container.get("stopTimeout", 0) > APP_DRAIN_SECONDS, f"{name} stopTimeout {container.get('stopTimeout')}")
        health = container.get("healthCheck", {})
        check(health.get("command", [""])[0] == "CMD" and health.get("interval") and health.get("retries"),
              f"{name} health check {health}")
        logs = container["logConfiguration"]
        check(logs["logDriver"] == "awslogs" and logs["options"]["awslogs-stream-prefix"] == name, logs)
    nginx, app = containers["nginx"], containers["app"]
    check(nginx["portMappings"] == [{"containerPort": 8080, "hostPort": 80, "protocol": "tcp"}], nginx["portMappings"])
    check(nginx["links"] == ["app"], nginx.get("links"))
    check(not app.get("portMappings"), "the app is published on the host")
    check({s["name"] for s in app["secrets"]} == SECRETS, app["secrets"])
    check(all(s["valueFrom"].startswith("/") for s in app["secrets"]), app["secrets"])
    plain = {e["name"] for e in app["environment"]}
    check(not plain & SECRETS, f"secrets in plain environment: {plain & SECRETS}")
    check(app["healthCheck"]["command"] == ["CMD", "/usr/local/bin/board", "--healthcheck"], app["healthCheck"])


def size_mib(value):
    number, unit = re.fullmatch(r"(\d+)([kmg]?)b?", str(value).lower()).groups()
    return int(number) * {"k": 1 / 1024, "": 1 / (1024 * 1024), "m": 1, "g": 1024}[unit]


def seconds(value):
    number, unit = re.fullmatch(r"(\d+)(s|m)?", str(value)).groups()
    return int(number) * (60 if unit == "m" else 1)


def ecs_cli_render():
    """docker-compose.ecs.yml + ecs-params.yml → container definitions, as ecs-cli 1.21 does."""
    with open(os.path.join(ROOT, "docker-compose.ecs.yml")) as f:
        compose = yaml.safe_load(f)
    with open(os.path.join(ROOT, "ecs-params.yml")) as f:
        params = yaml.safe_load(f)["task_definition"]
    rendered = {}
    for name, service in compose["services"].items():
        extra = params["services"][name]
        container = {
            "image": service["image"],
            "essential": extra["essential"],
            "cpu": extra["cpu_shares"],
            "memory": size_mib(extra["mem_limit"]),
            "memoryReservation": size_mib(extra["mem_reservation"]),
            "readonlyRootFilesystem": service.get("read_only", False),
            "links": service.get("links", []),
            "portMappings": [
                {"containerPort": int(p.split(":")[1]), "hostPort": int(p.split(":")[0]), "protocol": "tcp"}
                for p in service.get("ports", [])
            ],
            "environment": {k: str(v) for k, v in (service.get("environment") or {}).items()},
            "secrets": {s["name"]: s["value_from"] for s in extra.get("secrets", [])},
            "stopTimeout": seconds(service["stop_grace_period"]) if "stop_grace_period" in service else None,
            "logDriver": service["logging"]["driver"],
            "streamPrefix": service["logging"]["options"]["awslogs-stream-prefix"],
        }
        tmpfs = []
        for entry in service.get("tmpfs", []):
            path, _, options = entry.partition(":")
            size = dict(o.split("=") for o in options.split(",") if o).get("size")
            check(size, f"{name}: tmpfs {entry} has no size (ecs-cli refuses it)")
            tmpfs.append({"containerPath": path, "size": size_mib(size)})
        container["tmpfs"] = tmpfs
        health = extra.get("healthcheck")
        container["healthCheck"] = health and {
            "command": health["test"], "interval": seconds(health["interval"]),
            "timeout": seconds(health["timeout"]), "retries": health["retries"],
            "startPeriod": seconds(health["start_period"]),
        }
        rendered[name] = container
    return rendered, params


def comparable(container):
    """The fields both sources set, in ecs-cli's terms."""
    return {
        "essential": container["essential"],
        "cpu": container["cpu"],
        "memory": container["memory"],
        "memoryReservation": container["memoryReservation"],
        "readonlyRootFilesystem": container.get("readonlyRootFilesystem", False),
        "links": container.get("links", []),
        "portMappings": container.get("portMappings", []),
        "environment": {e["name"]: e["value"] for e in container.get("environment", [])},
        "secrets": {s["name"]: s["valueFrom"] for s in container.get("secrets", [])},
        "stopTimeout": container.get("stopTimeout"),
        "logDriver": container["logConfiguration"]["logDriver"],
        "streamPrefix": container["logConfiguration"]["options"]["awslogs-stream-prefix"],
        "tmpfs": container.get("linuxParameters", {}).get("tmpfs", []),
        "healthCheck": container.get("healthCheck"),
    }


def same_as_ecs_cli(task):
    rendered, params = ecs_cli_render()
    registered = {c["name"]: comparable(c) for c in task["containerDefinitions"]}
    check(params["ecs_network_mode"] == task["networkMode"], "network mode")
    check(task["executionRoleArn"].endswith("/" + params["task_execution_role"]), "execution role")
    for name, expected in rendered.items():
        check(re.fullmatch(r"\$\{ECR_REGISTRY\}/board-" + name + r":\$\{IMAGE_TAG\}", expected.pop("image")),
              f"{name}: image of docker-compose.ecs.yml")
        got = registered[name]
        for field, value in expected.items():
            theirs = got[field]
            if field == "environment":
                # The database host is a deploy-time value on both sides.
                value = {k: v for k, v in value.items() if k != "MYSQL_HOST"}
                theirs = {k: v for k, v in theirs.items() if k != "MYSQL_HOST"}
            check(value == theirs, f"{name}.{field}: ecs-cli files say {value}, the task definition {theirs}")


def main():
    path, tag, registry = sys.argv[1:4]
    with open(path) as f:
        task = json.load(f)
    rules(task, tag, registry)
    same_as_ecs_cli(task)
    print(f"task definition {task['family']}:{task['revision']}: {checks} checks ok (the rules ECS needs, "
          "and docker-compose.ecs.yml + ecs-params.yml field by field)")


if __name__ == "__main__":
    main()
