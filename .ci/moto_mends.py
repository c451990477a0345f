"""Mends to the pinned moto (5.2.5) for the APIs this Terraform configuration needs and moto
serves wrongly or not at all; each is printed when applied. Usage: moto_mends.py VENV
"""
import pathlib
import sys

venv = pathlib.Path(sys.argv[1])
site = next(venv.glob("lib/python3*/site-packages"))
MENDS = [
    (
        "ecs/models.py",
        """        else:
            self.network_configuration = {}
""",
        """        else:
            # mended: a service without awsvpc (bridge mode) has no networkConfiguration
            self.network_configuration = None
""",
        "DescribeServices leaves networkConfiguration out for a bridge-mode service "
        "(an empty one made the aws provider panic in flattenNetworkConfiguration)",
    ),
    (
        "applicationautoscaling/responses.py",
        """    def register_scalable_target(self) -> str:
        \"\"\"Registers or updates a scalable target.\"\"\"
        self._validate_params()
        target = self.applicationautoscaling_backend.register_scalable_target(""",
        """    # mended: tags of scalable targets (moto had no ListTagsForResource; the apply hung)
    def list_tags_for_resource(self) -> str:
        return json.dumps({"Tags": MENDED_TAGS.get(self._get_param("ResourceARN"), {})})

    def tag_resource(self) -> str:
        tags = MENDED_TAGS.setdefault(self._get_param("ResourceARN"), {})
        tags.update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self) -> str:
        tags = MENDED_TAGS.setdefault(self._get_param("ResourceARN"), {})
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        return json.dumps({})

    def register_scalable_target(self) -> str:
        \"\"\"Registers or updates a scalable target.\"\"\"
        self._validate_params()
        target = self._register_scalable_target_unmended()
        MENDED_TAGS.setdefault(target.arn, {}).update(self._get_param("Tags") or {})
        return json.dumps({"ScalableTargetARN": target.arn})

    def _register_scalable_target_unmended(self):  # type: ignore[no-untyped-def]
        return self.applicationautoscaling_backend.register_scalable_target(""",
        "Application Auto Scaling keeps tags and answers ListTagsForResource/TagResource/UntagResource "
        "(moto had none: the apply retried for minutes)",
    ),
    (
        "ec2/models/security_groups.py",
        """    def description(self) -> str | None:
        return self.ip_range.get("Description")""",
        """    def description(self) -> str | None:
        # mended: a rule between security groups keeps its description in the group pair
        return self.ip_range.get("Description") or self.source_group.get("Description")""",
        "DescribeSecurityGroupRules returns the description of a rule that references a "
        "security group (it was dropped: every re-plan wanted to set it again)",
    ),
    (
        "ec2/responses/launch_templates.py",
        """            for resource_type, tags in tag_spec.items():
                converted_tag_spec.append(""",
        """            for resource_type, tags in tag_spec.items():
                if resource_type == "launch-template":
                    continue  # mended: the template's own tags are not its data's
                converted_tag_spec.append(""",
        "CreateLaunchTemplate keeps the template's own tags out of its launch data "
        "(they showed up as tag_specifications nobody configured)",
    ),
    (
        "ecs/responses.py",
        """            propagate_tags=propagate_tags,
            role_arn=role,
        )
        return ActionResult({"service": service})""",
        """            propagate_tags=propagate_tags,
            role_arn=role,
        )
        # mended: fields of CreateService that moto dropped, kept and described again
        for name, param in [
            ("capacity_provider_strategy", "capacityProviderStrategy"),
            ("placement_strategy", "placementStrategy"),
            ("health_check_grace_period_seconds", "healthCheckGracePeriodSeconds"),
            ("availability_zone_rebalancing", "availabilityZoneRebalancing"),
        ]:
            if self._get_param(param) is not None:
                setattr(service, name, self._get_param(param))
        if self._get_param("capacityProviderStrategy"):
            service.launch_type = None
        return ActionResult({"service": service})""",
        "CreateService keeps capacityProviderStrategy, placementStrategy, "
        "healthCheckGracePeriodSeconds and availabilityZoneRebalancing (moto dropped them, so "
        "every re-plan replaced the service)",
    ),
    (
        "rds/models.py",
        """            parameter = self.parameters[new_parameter["ParameterName"]]
            parameter.update(new_parameter)""",
        """            parameter = self.parameters[new_parameter["ParameterName"]]
            parameter.update(new_parameter)
            parameter["Source"] = "user"  # mended: a modified parameter is the user's""",
        "ModifyDBParameterGroup marks what it set as Source=user (the aws provider reads back only "
        "user parameters, so every re-plan wanted to set them again)",
    ),
    (
        "applicationautoscaling/responses.py",
        """class ApplicationAutoScalingResponse(BaseResponse):""",
        """MENDED_TAGS: dict[str, dict[str, str]] = {}


class ApplicationAutoScalingResponse(BaseResponse):""",
        "(the tag store of the mend above)",
    ),
]


def mend(relative, old, new, why):
    path = site / "moto" / relative
    text = path.read_text()
    if new in text:
        print(f"moto mend (already applied): {why}")
        return
    if old not in text:
        raise SystemExit(f"moto mend no longer applies ({relative}): {why}")
    path.write_text(text.replace(old, new, 1))
    print(f"moto mend: {why}")


for args in MENDS:
    mend(*args)
print(f"moto: {len(MENDS)} mends, plus MOTO_IAM_LOAD_MANAGED_POLICIES=true (AWS-managed IAM policies)")
