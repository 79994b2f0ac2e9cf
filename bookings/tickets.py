"""Tickets as the buyer carries them: a code drawn from a cryptographic source, and its QR code."""
import io
import secrets

import segno

# 16 random bytes: 22 characters of [A-Za-z0-9_-], far beyond guessing or colliding.
TICKET_CODE_BYTES = 16


def new_ticket_code():
    return secrets.token_urlsafe(TICKET_CODE_BYTES)


def qr_code(code):
    """The QR code that encodes exactly `code` (byte mode keeps `_` and `-` as they are)."""
    return segno.make_qr(code, mode="byte", error="m")


def qr_svg(code):
    buffer = io.BytesIO()
    qr_code(code).save(buffer, kind="svg", scale=8, border=4, title=f"Ticket {code}")
    return buffer.getvalue()


def qr_png(code):
    buffer = io.BytesIO()
    qr_code(code).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()
