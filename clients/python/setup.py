"""Builds the gRPC stubs from the repository's protos while the package is built (see
gen_stubs.py); the rest of the metadata is in pyproject.toml."""
import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_stubs  # noqa: E402


class BuildWithStubs(build_py):
    def run(self):
        super().run()
        gen_stubs.generate(os.path.join(self.build_lib, "cerberus_client"))


setup(cmdclass={"build_py": BuildWithStubs})
