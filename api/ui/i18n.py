"""The UI's message catalogue: Vietnamese by default, English on request (a cookie).

Templates call `_("key")`; tests/ui/test_i18n.py checks every key used in a template is here.
"""

from collections.abc import Callable

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

# key: (Vietnamese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "app_name": ("Vigil", "Vigil"),
    "tagline": ("Trực ban phản bác tin giả", "False-information response desk"),
    "skip_to_content": ("Bỏ qua đến nội dung chính", "Skip to main content"),
    "main_nav": ("Điều hướng chính", "Main navigation"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "login_title": ("Đăng nhập hệ thống", "Sign in"),
    "logged_out": ("Bạn đã đăng xuất.", "You have logged out."),
    "language": ("Ngôn ngữ", "Language"),
    "lang_vi": ("Tiếng Việt", "Tiếng Việt"),
    "lang_en": ("English", "English"),
    "switch_lang": ("Chuyển ngôn ngữ", "Switch language"),
    "signed_in_as": ("Đang đăng nhập", "Signed in as"),
    "home": ("Trang chủ", "Home"),
    "nav_queue": ("Hàng đợi", "Queue"),
    "nav_dashboard": ("Thống kê", "Dashboard"),
    "nav_sources": ("Nguồn tin", "Sources"),
    "nav_schedules": ("Lịch thu thập", "Schedules"),
    "nav_runs": ("Lượt thu thập", "Crawl runs"),
    "nav_health": ("Tình trạng nguồn", "Source health"),
    "nav_briefs": ("Bản tin phản bác", "Briefs"),
    "nav_commissions": ("Đặt hàng", "Commissions"),
    "nav_partners": ("Đối tác báo chí", "Press partners"),
    "nav_report": ("Báo cáo tin sai", "Report false news"),
    "role_monitor": ("Giám sát", "Monitor"),
    "role_editor": ("Biên tập", "Editor"),
    "role_approver": ("Phê duyệt", "Approver"),
    "role_ops": ("Vận hành", "Ops"),
    "role_admin": ("Quản trị", "Admin"),
    "role_partner": ("Đối tác", "Partner"),
    "welcome": ("Xin chào", "Welcome"),
    "home_intro": (
        "Chọn một mục trong thanh điều hướng để bắt đầu.",
        "Pick a section in the navigation to start.",
    ),
    "error_title": ("Có lỗi", "Something went wrong"),
    "forbidden_title": ("Không có quyền", "Not allowed"),
    "not_found_title": ("Không tìm thấy", "Not found"),
    "back_home": ("Về trang chủ", "Back to home"),
    "csrf_failed": (
        "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và thử lại.",
        "Your session expired or the form is not valid. Reload the page and try again.",
    ),
    "required": ("bắt buộc", "required"),
    "save": ("Lưu", "Save"),
    "create": ("Tạo", "Create"),
    "cancel": ("Huỷ", "Cancel"),
    "apply": ("Áp dụng", "Apply"),
    "reset": ("Bỏ lọc", "Clear filters"),
    "filters": ("Bộ lọc", "Filters"),
    "actions": ("Thao tác", "Actions"),
    "none": ("Không có", "None"),
    "empty_list": ("Chưa có mục nào.", "Nothing here yet."),
    "export_csv": ("Xuất CSV", "Export CSV"),
    "saved": ("Đã lưu.", "Saved."),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "id": ("Mã", "ID"),
    "name": ("Tên", "Name"),
    "url": ("Địa chỉ", "URL"),
    "kind": ("Loại", "Kind"),
    "status": ("Trạng thái", "Status"),
    "created_at": ("Tạo lúc", "Created"),
    "time": ("Thời gian", "Time"),
    "next_page": ("Trang sau", "Next page"),
    "loading": ("Đang tải…", "Loading…"),
    "not_available": (
        "Chức năng này chưa sẵn sàng trên máy chủ.",
        "This feature is not available on the server yet.",
    ),
    "enabled": ("Đang bật", "Enabled"),
    "enable": ("Bật", "Enable"),
    "disable": ("Tắt", "Disable"),
    "weight": ("Trọng số", "Weight"),
    "add_source": ("Thêm nguồn", "Add source"),
    "link_pattern": ("Mẫu địa chỉ bài viết (regex)", "Article URL pattern (regex)"),
    "link_pattern_help": (
        "Bắt buộc với nguồn dạng listing; lọc bài với sitemap/feed.",
        "Required for listing sources; filters articles for sitemaps/feeds.",
    ),
    "max_pages": ("Số trang tối đa mỗi lượt", "Max pages per run"),
    "config_json": ("Cấu hình nâng cao (JSON)", "Advanced config (JSON)"),
    "config_not_json": (
        "Cấu hình nâng cao phải là một đối tượng JSON.",
        "The advanced config must be a JSON object.",
    ),
    "source_created": ("Đã thêm nguồn «{name}».", "Source '{name}' added."),
    "source_enabled": ("Đã bật nguồn «{name}».", "Source '{name}' enabled."),
    "source_disabled": ("Đã tắt nguồn «{name}».", "Source '{name}' disabled."),
    "schedule": ("Lịch", "Schedule"),
    "schedule_kind": ("Kiểu lịch", "Schedule kind"),
    "cron": ("Biểu thức cron", "Cron expression"),
    "cron_help": (
        "5 trường, theo giờ Việt Nam, ví dụ */30 6-22 * * *",
        "5 fields, Vietnam time, e.g. */30 6-22 * * *",
    ),
    "interval_seconds": ("Chu kỳ (giây)", "Interval (seconds)"),
    "jitter_seconds": ("Độ trễ ngẫu nhiên tối đa (giây)", "Max random delay (seconds)"),
    "next_runs": ("Lần chạy tới", "Next runs"),
    "paused": ("Tạm dừng", "Paused"),
    "active": ("Đang chạy", "Active"),
    "pause": ("Tạm dừng", "Pause"),
    "resume": ("Tiếp tục", "Resume"),
    "run_now": ("Chạy ngay", "Run now"),
    "delete": ("Xoá", "Delete"),
    "add_schedule": ("Thêm lịch thu thập", "Add a crawl schedule"),
    "source": ("Nguồn", "Source"),
    "schedule_created": ("Đã tạo lịch cho nguồn #{id}.", "Schedule created for source #{id}."),
    "schedule_paused": ("Đã tạm dừng lịch của nguồn #{id}.", "Schedule of source #{id} paused."),
    "schedule_resumed": ("Đã tiếp tục lịch của nguồn #{id}.", "Schedule of source #{id} resumed."),
    "schedule_deleted": ("Đã xoá lịch của nguồn #{id}.", "Schedule of source #{id} deleted."),
    "run_queued": (
        "Đã xếp lượt chạy #{run} cho nguồn #{id}.",
        "Run #{run} queued for source #{id}.",
    ),
    "job_runs": ("Lượt chạy tác vụ", "Job runs"),
    "crawl_runs": ("Lượt thu thập của nguồn", "Crawl runs of this source"),
    "job": ("Tác vụ", "Job"),
    "trigger": ("Kích hoạt", "Trigger"),
    "started_at": ("Bắt đầu", "Started"),
    "finished_at": ("Kết thúc", "Finished"),
    "error": ("Lỗi", "Error"),
    "pages_fetched": ("Trang đã tải", "Pages fetched"),
    "new_posts": ("Bài mới", "New posts"),
    "duplicates": ("Trùng lặp", "Duplicates"),
    "failing_sources": ("Nguồn lỗi liên tiếp", "Sources failing in a row"),
    "stale_sources": ("Nguồn lâu không có bài mới", "Sources with no new posts"),
    "consecutive_failures": ("Số lần lỗi liên tiếp", "Failures in a row"),
    "last_run": ("Lượt gần nhất", "Last run"),
    "last_post": ("Bài gần nhất", "Last post"),
    "hours_quiet": ("Số giờ không có bài", "Hours without a post"),
    "health_params": (
        "Lỗi từ {runs} lượt liên tiếp; im lặng quá {hours} giờ.",
        "Failing for {runs} runs in a row; quiet for over {hours} hours.",
    ),
    "all": ("Tất cả", "All"),
    "no_schedule": ("Nguồn này chưa có lịch.", "This source has no schedule."),
}


def translate(lang: str, key: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        # A missing key shows itself rather than breaking the page; a test catches it first.
        return key
    return pair[1] if lang == "en" else pair[0]


def translator(lang: str) -> Callable[[str], str]:
    def _(key: str) -> str:
        return translate(lang, key)

    return _


def normalise_lang(value: str | None) -> str:
    return value if value in LANGS else DEFAULT_LANG
