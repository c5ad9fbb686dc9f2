"""Fixed user-facing wording of the Telegram bot (Simplified Chinese, Telegram HTML)."""
from __future__ import annotations

from html import escape

from kb.answer import SCOPE


def esc(text: str) -> str:
    return escape(text, quote=False)


COMMANDS = (
    ("start", "开始使用"),
    ("help", "怎么提问"),
    ("laws", "浏览已收录的法规"),
    ("article", "查看某一条，如 /article 人防法 22"),
    ("quiz", "防空知识练习（10 题）"),
    ("join", "报名知识竞赛，如 /join 活动代码"),
    ("rank", "我的竞赛排名"),
    ("subscribe", "订阅 6·5 防空警报试鸣提醒"),
    ("unsubscribe", "取消 6·5 提醒"),
    ("cancel", "取消当前操作"),
)
STAFF_COMMANDS = COMMANDS + (
    ("unanswered", "待处理的问题（工作人员）"),
    ("faq", "常见问答（工作人员）"),
    ("stats", "使用统计（工作人员）"),
    ("campaigns", "知识竞赛活动（工作人员）"),
    ("ranking", "活动排名，如 /ranking 代码（工作人员）"),
    ("export", "导出成绩，如 /export 代码（工作人员）"),
    ("newcampaign", "创建知识竞赛活动（工作人员）"),
)

HOW_TO_ASK = (
    "<b>怎么提问</b>\n"
    "• 直接用日常语言提问，例如：<i>防空洞能租来开店吗？</i>\n"
    "• 查某一条：<i>人防法第二十二条</i>，或 /article 人防法 22\n"
    "• 浏览法规：/laws\n"
    "回答会引用法律条文原文，下方可查看全文、相关条文，也欢迎点 👍 / 👎 告诉我们是否有帮助。\n\n"
    "<b>防空知识</b>\n"
    "• /quiz 做一轮 10 题的防空知识练习\n"
    "• /join 活动代码：报名学校的知识竞赛；/rank 查看排名\n"
    "• /subscribe 订阅 6·5 防空警报试鸣提醒（/unsubscribe 取消）"
)

PRIVACY = ("<b>隐私说明</b>：为改进解答，我们会记录您的提问内容和 Telegram 数字 ID，"
           "不收集姓名、电话等个人信息；请不要在提问中填写个人隐私。")


def start_text(law_count: int, article_count: int, hotline: str) -> str:
    known = (f"目前收录了 {law_count} 部法规、{article_count} 条现行条文。" if law_count
             else "知识库正在准备中。")
    return (f"您好！我是<b>人民防空普法助手</b>，可以帮您查找{SCOPE}的原文条款。{known}\n\n"
            f"{HOW_TO_ASK}\n\n{PRIVACY}\n\n"
            f"本助手提供法律条文供参考，不构成法律意见；具体问题可拨打 {esc(hotline)}。")


STAFF_HELP = (
    "\n\n<b>工作人员功能</b>\n"
    "• 发送法规文件（Markdown、HTML、DOCX）：预览后确认导入\n"
    "• /unanswered 待处理的问题，可直接答复为常见问答\n"
    "• /faq 常见问答　• /stats 使用统计　• /cancel 取消答复\n"
    "• /campaigns 知识竞赛活动　• /ranking 代码 排名　• /export 代码 导出成绩（CSV、Excel）\n"
    "• /newcampaign 创建活动，格式：\n"
    "<code>/newcampaign 代码 | 名称 | 2027-06-01 08:00 | 2027-06-05 22:00 | 题数 10 | 每题 30 秒 | 及格 6</code>"
)

TOO_LONG = "您的问题有点长（超过 {limit} 字），请用一两句话说明您最想了解的情况，例如“防空洞能租来开店吗？”。"
NOT_TEXT = "请用文字描述您的问题，例如“防空洞能租来开店吗？”。"
NON_TEXT_MESSAGE = "我目前只能阅读文字提问。请用文字描述您的问题，或发送 /laws 浏览法规。"
SLOW_DOWN = "您提问有点频繁，请稍等一分钟再问。感谢理解！"
UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看使用方法。"
STAFF_ONLY = "抱歉，这个功能仅供工作人员使用。"
UPLOAD_REFUSED = "抱歉，只有工作人员可以上传法规文件。如有问题，请直接用文字提问。"
ERROR = "抱歉，处理您的消息时出了点问题，请稍后再试。如需帮助，可拨打 12348 公共法律服务热线。"
BUTTON_EXPIRED = "这个按钮已失效，请重新查询。"
ARTICLE_USAGE = "用法：/article 法规名称 条号，例如 <code>/article 人防法 22</code> 或 <code>/article 人防法 第二十二条</code>。"
LAW_NOT_FOUND = "没有找到名为“{name}”的法规。可发送 /laws 浏览已收录的法规。"


# ---- quizzes (bot/telegram/quiz*.py) ----------------------------------------------------------

QUIZ_INTRO = "📝 防空知识练习：共 {count} 题，每题限时 {seconds} 秒，点选项即作答。"
QUIZ_SCORED_INTRO = "📝 正式答题开始：共 {count} 题，每题限时 {seconds} 秒，作答后不能修改，超时不计分。祝您取得好成绩！"
QUIZ_OPEN_PRACTICE = "您还有一轮练习没有完成，请继续作答（发送 /cancel 可结束练习）："
QUIZ_OPEN_SCORED = "您的正式答题还在进行中，请继续作答："
QUIZ_RESUMED = "机器人刚才重启过，继续答题："
QUIZ_RIGHT = "✅ 回答正确"
QUIZ_WRONG = "❌ 回答错误"
QUIZ_LATE = "已超时，本题不计分。"
QUIZ_DUPLICATE = "这道题已经作答过了。"
QUIZ_CLOSED = "本轮答题已经结束，不再计分。"
QUIZ_NOT_YOURS = "这不是您的答题。"
QUIZ_NOT_CURRENT = "请先回答当前的题目。"
QUIZ_INVALID = "所选答案无效，请重新选择。"
QUIZ_PICK_ONE = "请至少选择一个选项，再点“提交”。"
QUIZ_MORE_AFTER = "作答后才能查看这道题的依据。"
QUIZ_NO_ARTICLE = "暂时没有找到这道题所依据的条文原文。"
QUIZ_PRACTICE_CANCELLED = "已结束本轮练习。想再练习，发送 /quiz。"
QUIZ_SCORED_NO_CANCEL = "正式答题开始后不能取消，请继续作答；超时的题目不计分。"
QUIZ_JOIN_CANCELLED = "已取消报名。需要时可重新发送 /join 活动代码。"

JOIN_USAGE = "用法：<code>/join 活动代码</code>，活动代码由学校或主办单位提供，例如 <code>/join CQU2027</code>。"
JOIN_UNKNOWN = "没有找到代码为“{code}”的活动，请核对后重试。"
JOIN_ENDED = "“{name}”已经结束，不能再报名了。"
JOIN_NOT_YET = "“{name}”将于 {when} 开始，届时再来报名和答题。"
JOIN_DONE = "✅ 报名成功！"
RANK_NONE = "您还没有报名任何知识竞赛。报名请发送 <code>/join 活动代码</code>；也可以先用 /quiz 练习。"
CAMPAIGNS_NONE = "还没有知识竞赛活动。用 /newcampaign 创建，发送 /help 查看格式。"
NEWCAMPAIGN_USAGE = (
    "<b>创建活动</b>，一条消息，各项用“|”分隔：\n"
    "<code>/newcampaign 代码 | 名称 | 开始 | 结束 | 题数 10 | 每题 30 秒 | 及格 6</code>\n"
    "例如：<code>/newcampaign CQU2027 | 重庆大学“6·5”防空知识竞赛 | 2027-06-01 08:00 | 2027-06-05 22:00 | 题数 10 | 每题 30 秒 | 及格 6</code>\n"
    "前四项必填，时间为当地时间（只写日期表示当天全天）。其余可选：\n"
    "• 正式 1 次（正式答题次数，默认 1）　• 练习 3 次（默认不开放练习）\n"
    "• 必填 学院 学号 / 选填 班级（报名时另需填写的项目；姓名、学校总是要填）\n"
    "• 标签 警报 历史（只从这些主题抽题，可选：警报、历史、工程使用、工程建设、权利义务、军事设施、国防教育、国防动员）\n"
    "• 主办 某某大学武装部（印在证书上）"
)

# ---- 6·5 reminders (bot/telegram/reminders.py) -------------------------------------------------

SUBSCRIBED = "🔔 已订阅 6·5 防空警报试鸣提醒。下次提醒：{when}。\n不想再收到时，发送 /unsubscribe。"
ALREADY_SUBSCRIBED = "您已经订阅了 6·5 防空警报试鸣提醒，下次提醒：{when}。"
UNSUBSCRIBED = "已取消 6·5 提醒。需要时可再次发送 /subscribe。"
NOT_SUBSCRIBED = "您没有订阅提醒。订阅请发送 /subscribe。"


def local_when(at, timezone: str) -> str:
    zone = "（北京时间）" if timezone in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else f"（{esc(timezone)}）"
    return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}{zone}"


def reminder_text(month: int, day: int) -> str:
    """The yearly reminder: the siren test today and how to tell the three signals apart."""
    return (
        "🔔 <b>防空警报试鸣提醒</b>\n"
        f"今天（{month}月{day}日）本市将试鸣防空警报，纪念“六·五”大隧道惨案，增强全民国防观念。"
        "具体试鸣时间和范围以当地人民防空部门的公告为准。试鸣期间请保持正常的生产、生活秩序，不必惊慌。\n\n"
        "<b>三种警报信号怎么分辨</b>\n"
        "• <b>预先警报</b>：鸣 36 秒、停 24 秒，反复 3 遍，时间 3 分钟\n"
        "• <b>空袭警报</b>：鸣 6 秒、停 6 秒，反复 15 遍，时间 3 分钟\n"
        "• <b>解除警报</b>：连续鸣放 3 分钟\n\n"
        "想检验一下？发送 /quiz 做一轮防空知识练习。不想再收到提醒，发送 /unsubscribe。"
    )
