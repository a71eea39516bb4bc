from troubletree.core.errors import AppError, Forbidden, NotFound


class FileTooLarge(AppError):
    status_code = 413
    code = "file_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"A file may be at most {limit // (1024 * 1024)} MiB.",
            field="file",
            extra={"limit": limit},
        )


class QuotaExceeded(AppError):
    status_code = 413
    code = "storage_quota_exceeded"

    def __init__(self, used: int, quota: int, needed: int) -> None:
        super().__init__(
            f"Your account's file storage is full: {_mib(used)} of {_mib(quota)} used, and "
            f"this file needs {_mib(needed)}. An admin can free space by deleting old sessions.",
            field="file",
            extra={"used_bytes": used, "quota_bytes": quota, "needed_bytes": needed},
        )


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


class UnsupportedFileType(AppError):
    status_code = 415
    code = "unsupported_file_type"
    message = "Only JPEG, PNG, WebP and HEIC photos and PDF files are accepted."


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    message = "No such file in your account."


class LinkExpired(Forbidden):
    code = "link_expired"
    message = "This file link has expired: reload the page for a new one."
