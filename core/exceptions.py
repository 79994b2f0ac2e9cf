"""Domain errors: what services raise when a business rule refuses valid input. No HTTP here."""


class DomainError(Exception):
    """A business rule refused valid input.

    `status_code` and `code` are what the API answers (see core.exception_handler); keyword arguments
    become extra fields of the error body (e.g. `seats=[...]`); `field` names the input field at fault.
    """

    status_code = 400
    code = "invalid"
    message = "The request breaks a business rule."
    retry_after = None

    def __init__(self, message=None, *, field=None, **extra):
        self.message = message or self.message
        self.field = field
        self.extra = extra
        super().__init__(self.message)

    def as_body(self):
        """`{detail, code, **extra}`, or DRF's field-error shape `{field: [message]}` for a field's error."""
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message, "code": self.code, **self.extra}


class ProtectedObject(DomainError):
    status_code = 409
    code = "protected"
    message = "This object has bookings and cannot be deleted."


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"
    message = "The database is unavailable. Please retry shortly."
    retry_after = 2
