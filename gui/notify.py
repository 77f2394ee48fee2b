"""Desktop notifications through the freedesktop notification service, over the session bus.

:func:`send_desktop_notification` calls ``org.freedesktop.Notifications.Notify`` on the
session D-Bus named by ``DBUS_SESSION_BUS_ADDRESS`` and raises
:class:`NotificationUnavailable` when it cannot: no session bus, no notification service
(neither running nor activatable: the bus answers ``ServiceUnknown``), an error answer, or
no answer within :data:`TIMEOUT` seconds. The caller then falls back to Qt's tray message
(:class:`~keyvault_gui.tray.Tray`). The call blocks: run it off the GUI thread.

Why not Qt for this: ``QSystemTrayIcon.showMessage`` shows nothing on a desktop without a
tray (GNOME without an extension), and PySide6's QtDBus cannot send the ``uint32`` that
``Notify``'s signature ``susssasa{sv}i`` requires (a Python int is marshalled as int32 or
uint16), which GDBus-based services such as GNOME Shell refuse. jeepney (pure Python,
already installed with ``keyring`` on Linux) writes the signature exactly.

What is sent is a notification's title and text: alert messages, never a secret.
"""

from __future__ import annotations

import os

__all__ = ["NotificationUnavailable", "send_desktop_notification"]

#: The application name and icon name sent (the icon is the one the .desktop entry installs).
APP_NAME = "keyvault"
#: ``Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout)``.
SIGNATURE = "susssasa{sv}i"
#: Seconds to wait for the bus and for the service's answer.
TIMEOUT = 5.0
#: How long the notification stays, in milliseconds (the service may ignore it).
_EXPIRE_MS = 15_000
#: The spec's urgency levels (the ``urgency`` hint, a byte).
_URGENCY_NORMAL, _URGENCY_CRITICAL = 1, 2


class NotificationUnavailable(Exception):
    """The freedesktop notification service could not be reached (the reason, no secret)."""


def send_desktop_notification(title: str, text: str, *, critical: bool = False) -> None:
    """Show ``title`` and ``text`` through ``org.freedesktop.Notifications`` (blocking).

    Raises :class:`NotificationUnavailable` when there is no session bus or no service
    answering (a critical one is marked with the spec's ``urgency`` 2).
    """
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if not address:
        raise NotificationUnavailable("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
    try:
        # Imported here: jeepney exists only on Linux (with keyring); elsewhere, no bus.
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg
    except ImportError as exc:
        raise NotificationUnavailable("no D-Bus library (jeepney)") from exc
    service = DBusAddress(
        "/org/freedesktop/Notifications",
        bus_name="org.freedesktop.Notifications",
        interface="org.freedesktop.Notifications",
    )
    urgency = _URGENCY_CRITICAL if critical else _URGENCY_NORMAL
    hints = {"urgency": ("y", urgency), "desktop-entry": ("s", APP_NAME)}
    message = new_method_call(
        service,
        "Notify",
        SIGNATURE,
        (APP_NAME, 0, APP_NAME, title, text, [], hints, _EXPIRE_MS),
    )
    try:
        with open_dbus_connection(bus=address, auth_timeout=TIMEOUT) as connection:
            unwrap_msg(connection.send_and_get_reply(message, timeout=TIMEOUT))
    except DBusErrorResponse as exc:
        # ServiceUnknown when no service runs and none is activatable; the name is enough.
        raise NotificationUnavailable(f"the notification service answered {exc.name}") from exc
    except (OSError, ValueError, StopIteration) as exc:
        # OSError: a refused or vanished socket, or TimeoutError; ValueError: a failed
        # authentication or a malformed message; StopIteration: an address with no
        # transport jeepney can connect to (it only speaks unix sockets).
        raise NotificationUnavailable(f"the session bus failed ({type(exc).__name__})") from exc
