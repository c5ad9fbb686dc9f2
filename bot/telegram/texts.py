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
)
STAFF_COMMANDS = COMMANDS + (
    ("unanswered", "待处理的问题（工作人员）"),
    ("faq", "常见问答（工作人员）"),
    ("stats", "使用统计（工作人员）"),
    ("cancel", "取消当前操作"),
)

HOW_TO_ASK = (
    "<b>怎么提问</b>\n"
    "• 直接用日常语言提问，例如：<i>防空洞能租来开店吗？</i>\n"
    "• 查某一条：<i>人防法第二十二条</i>，或 /article 人防法 22\n"
    "• 浏览法规：/laws\n"
    "回答会引用法律条文原文，下方可查看全文、相关条文，也欢迎点 👍 / 👎 告诉我们是否有帮助。"
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
    "• /faq 常见问答　• /stats 使用统计　• /cancel 取消答复"
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
