"""The live twin behind ``twin serve``: a served day paced against the wall clock, the
outside requests it takes, its journal, and the board its info links read."""

from twin.app.live.day import LiveDay, RequestRefused, ResumeRefused
from twin.app.live.setup_file import read_setup

__all__ = ["LiveDay", "RequestRefused", "ResumeRefused", "read_setup"]
