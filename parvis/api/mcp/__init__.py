"""parvis for AI assistants: an MCP server whose tools act as the owner of a personal API
token, through the same functions, scoping and checks as the REST API.

- server.py: the tools and their typed inputs;
- operations.py: what each tool does, plain functions of (user, arguments);
- tooling.py: per-call database connections, language and tool errors;
- auth.py: who is calling (PARVIS_TOKEN over stdio, Bearer tokens over HTTP);
- http.py: the streamable HTTP transport at /mcp, served by the WSGI server.
"""
