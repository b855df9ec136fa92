"""Connections between skal's learners and the tools people label in.

Each integration is an optional extra, imported only when asked for:
``skal.integrations.label_studio`` (``pip install "skal[labelstudio]"``).
"""
