"""Staff review: consequence drafts, 社情民意 review, proposals, record confirmation, ranking, exports.

Every command here is for staff in a private chat (it shows or changes personal data).
"""

from bot.chat import router
from plugins.review import assessment, commendation, consequences, records  # noqa: F401  (matchers)

__plugin_meta__ = router.metadata(
    __name__,
    name="审核与考核",
    description="Staff: consequence review, report review, proposals, record confirmation, ranking, exports",
)
