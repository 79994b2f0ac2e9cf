"""The user model: Django's, with a required email that is unique regardless of case, and whether its owner has
shown they read it (EMAIL_VERIFICATION)."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    email = models.EmailField("email address", max_length=254)
    # False for accounts made before verification existed too: nobody checked their address.
    email_verified = models.BooleanField(default=False, help_text="The owner used the token mailed to this email.")

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="users_user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="users_user_email_ci_unique",
                violation_error_message="A user with that email already exists.",
            ),
        ]
