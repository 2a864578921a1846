# Scrapyd and scrapyd-deploy build eggs with `setup.py bdist_egg`; everything is in pyproject.toml.
from setuptools import setup

setup()
