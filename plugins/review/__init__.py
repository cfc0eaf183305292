"""Staff review: consequence drafts, 社情民意 review, proposals, record confirmation, ranking, exports.

Every command here is for staff in a private chat (it shows or changes personal data).
"""

from nonebot.plugin import PluginMetadata

from plugins.review import assessment, consequences, records  # noqa: F401  (matchers)

__plugin_meta__ = PluginMetadata(
    name="审核与考核",
    description="Staff: consequence review, report review, proposals, record confirmation, ranking, exports",
    usage=(
        "待确认｜预警｜确认处理 <编号> [公开 [群号]]｜撤销 <编号> <原因>｜"
        "受理/退回/采用/批示 <社情民意编号> …｜确认记录 <编号>｜提案 <委员> <编号> <标题> [联名 …]｜"
        "提案办理 <提案编号> <进展>｜排名 [N|专委会 名称|界别 名称]｜未完成｜档案 <委员>｜导出档案 [年份]"
    ),
)
