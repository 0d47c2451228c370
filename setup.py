"""Packaging glue that pyproject.toml cannot express: resources/ ships as desktop/_resources.

The top-level resources/ folder (fonts, templates, demo parameters, translations) is installed
inside the package so that ``desktop.resources.resource_path()`` finds it in a wheel as in a checkout.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["desktop", "desktop.*"]), "desktop._resources"],
    package_dir={"desktop._resources": "resources"},
    package_data={"desktop._resources": ["**/*"]},
    include_package_data=False,
)
