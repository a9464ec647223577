"""ASGI entry point: ``uvicorn app:app`` serves the chat, staff area and JSON API.

``python app.py`` does the same as ``python -m assistant serve`` (127.0.0.1:7860).
Configuration comes from the environment (see README "Configuration").
"""

from assistant.web import build_app, serve

app = build_app()

if __name__ == "__main__":
    serve()
