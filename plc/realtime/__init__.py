"""Socket.IO server. Event handlers arrive with the live-session feature; the server is bound to
the app here so that the scaled profile's Redis message queue is configured in one place."""

from __future__ import annotations

from plc.extensions import socketio


def register(app) -> None:
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        manage_session=False,
    )
