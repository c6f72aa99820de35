"""What sensitivity adds to other apps' pages, from SensitivityConfig.ready()."""


def register() -> None:
    pass
