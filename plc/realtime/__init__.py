"""Socket.IO server: the ``/live`` namespace, the after-commit outbox and the presence store. In
the scaled profile every process shares Redis as message queue, presence store and limiter."""

from __future__ import annotations

from plc.concurrency import green
from plc.extensions import socketio


def register(app) -> None:
    # the socket handlers sit above the services, which import this package's outbox
    from plc.realtime import outbox, presence  # noqa: PLC0415
    from plc.realtime.live import LiveNamespace, install_chat_locks  # noqa: PLC0415

    if not any(handler.namespace == "/live" for handler in socketio.namespace_handlers):
        socketio.on_namespace(LiveNamespace("/live"))
    socketio.init_app(
        app,
        async_mode="gevent" if green() else "threading",
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        transports=app.config.get("SOCKETIO_TRANSPORTS", ["polling", "websocket"]),
        manage_session=False,
        ping_interval=20,
        ping_timeout=20,
    )
    outbox.install()
    presence.install(app)
    install_chat_locks(app)
