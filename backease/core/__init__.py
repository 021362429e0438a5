"""Pure domain logic: vocabulary, content types, screening, planner.

Nothing in this package imports a web framework, touches a database or reads the
environment. Functions take typed inputs and return typed outputs.
"""
