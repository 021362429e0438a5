"""The web pages: server-rendered templates, HTMX where it helps, small JS modules."""
