"""The demo data set: invented but realistic Vietnamese posts, claims and accounts.

Every post and claim here was written for this demo; names of pages are fictional.
"""

DEMO_PASSWORD = "vigil-demo-2026"

USERS = [
    ("admin", "Quản trị hệ thống", "admin"),
    ("giamsat", "Nguyễn Thị Lan (giám sát)", "monitor"),
    ("bientap", "Trần Văn Minh (biên tập)", "editor"),
    ("pheduyet", "Lê Thu Hà (phê duyệt)", "approver"),
    ("vanhanh", "Phạm Quốc Bảo (vận hành)", "ops"),
]

PARTNERS = [
    ("Báo Tin Tức Thủ Đô (demo)", "toasoan@tintucthudo.example.vn", ["giao_duc", "dien_nuoc_xang"]),
    ("Đài Phát thanh Miền Trung (demo)", "bandoc@dpt-mientrung.example.vn", ["y_te", "thien_tai"]),
]

SOURCES = [
    ("VnExpress – Thời sự", "feed", "https://vnexpress.net/rss/thoi-su.rss", 1.5),
    ("Tuổi Trẻ – Thời sự", "feed", "https://tuoitre.vn/rss/thoi-su.rss", 1.5),
    ("Báo Chính phủ – sitemap tin", "sitemap", "https://baochinhphu.vn/sitemap.xml", 2.0),
    ("Thanh Niên – Giáo dục", "feed", "https://thanhnien.vn/rss/giao-duc.rss", 1.2),
]

# (url, source_name, title, text, hours_ago, likes, comments, shares)
POSTS = [
    (
        "https://www.facebook.com/tinnong24h.demo/posts/1001",
        "Trang Tin Nóng 24h (demo)",
        "Học phí đại học tăng gấp ba từ tháng 9",
        "KHẨN: Bộ Giáo dục vừa chốt học phí đại học công lập năm học tới tăng GẤP BA, "
        "sinh viên nghèo coi như hết cửa đi học. Chia sẻ ngay cho mọi người biết!!!",
        3,
        5400,
        1200,
        3100,
    ),
    (
        "https://www.facebook.com/hoiphuhuynh.demo/posts/2002",
        "Hội Phụ huynh Học sinh (demo)",
        None,
        "Nghe nói từ tháng 9 hoc phi dai hoc tang gap 3 that ha mn? Con mình sắp vào năm nhất, "
        "lo quá không biết xoay đâu ra tiền.",
        5,
        820,
        430,
        210,
    ),
    (
        "https://baomoi.example.vn/bo-gd-dt-bac-bo-tin-hoc-phi-tang-gap-ba.html",
        "Báo Mới (demo)",
        "Bộ GD-ĐT bác bỏ thông tin học phí đại học tăng gấp ba",
        "Bộ Giáo dục và Đào tạo khẳng định thông tin học phí đại học công lập tăng gấp ba "
        "từ tháng 9 là không đúng sự thật. Mức trần học phí năm học tới được giữ ổn định theo "
        "Nghị định hiện hành.",
        2,
        1900,
        140,
        860,
    ),
    (
        "https://zalo.example.vn/kenh-tin-nhanh/30031",
        "Kênh Tin Nhanh Zalo (demo)",
        "Giá nước sinh hoạt Hà Nội tăng 40% từ tháng sau",
        "Nóng: Có văn bản mới, giá nước sinh hoạt ở Hà Nội sẽ tăng 40% ngay từ tháng sau, "
        "hộ gia đình dùng trên 10 khối bị tính giá kinh doanh. Ai ở Hà Nội chú ý!",
        9,
        2300,
        610,
        1500,
    ),
    (
        "https://www.tiktok.com/@xemnhanh.demo/video/4004",
        "TikTok @xemnhanh (demo)",
        None,
        "Luật mới: đi xe máy không mang bằng lái bị tịch thu xe luôn 30 ngày, "
        "phạt 10 triệu. Ae cẩn thận nhé, share cho người nhà biết.",
        14,
        15000,
        3400,
        7800,
    ),
    (
        "https://www.facebook.com/antoangiaothong.demo/posts/5005",
        "Trang An toàn Giao thông (demo)",
        "Sự thật về mức phạt không mang giấy phép lái xe",
        "Thông tin 'không mang bằng lái bị tịch thu xe 30 ngày, phạt 10 triệu' là tin sai. "
        "Theo quy định hiện hành, người điều khiển xe máy không mang theo giấy phép lái xe bị "
        "phạt tiền, không bị tịch thu phương tiện.",
        12,
        3200,
        280,
        1400,
    ),
    (
        "https://www.facebook.com/group/cudan.demo/posts/6006",
        "Nhóm Cư dân Quận 7 (demo)",
        None,
        "Tụi nó toàn lũ ăn hại, làm luật kiểu này thì dân chết đói hết. Đồ khốn nạn!",
        20,
        410,
        220,
        35,
    ),
    (
        "https://forum.example.vn/thread/tiem-vac-xin-bat-buoc-7007",
        "Diễn đàn Sức khoẻ (demo)",
        "Tiêm vắc xin bắt buộc, không tiêm bị cắt bảo hiểm y tế",
        "Từ tháng 1 năm sau ai không tiêm đủ mũi vắc xin nhắc lại sẽ bị cắt thẻ bảo hiểm y tế, "
        "thông tin từ người quen làm ở Sở Y tế.",
        30,
        980,
        510,
        640,
    ),
    (
        "https://vnexpress.net/bo-y-te-thong-tin-ve-tiem-chung-mo-rong-8008.html",
        "VnExpress – Sức khỏe",
        "Bộ Y tế thông tin về chương trình tiêm chủng mở rộng năm tới",
        "Bộ Y tế cho biết chương trình tiêm chủng mở rộng năm tới bổ sung vắc xin phế cầu "
        "cho trẻ dưới một tuổi. Việc tiêm chủng được khuyến khích, không gắn với quyền lợi bảo "
        "hiểm y tế.",
        26,
        1200,
        90,
        300,
    ),
    (
        "https://www.facebook.com/dattaichinh.demo/posts/9009",
        "Trang Nhà đất Tài chính (demo)",
        "Thu hồi sổ đỏ cấp trước 2015",
        "Tin nóng: toàn bộ sổ đỏ cấp trước năm 2015 sẽ bị thu hồi để cấp lại, mỗi sổ mất phí "
        "5 triệu đồng. Nhanh tay làm thủ tục trước khi hết hạn!",
        40,
        4100,
        1700,
        2600,
    ),
    (
        "https://thanhnien.vn/dien-tang-gia-10010.html",
        "Thanh Niên – Kinh tế",
        "EVN điều chỉnh giá bán lẻ điện bình quân",
        "Tập đoàn Điện lực Việt Nam điều chỉnh giá bán lẻ điện bình quân tăng 4,8% từ hôm nay, "
        "theo quyết định của Bộ Công Thương về cơ chế điều chỉnh giá điện.",
        48,
        2600,
        900,
        450,
    ),
    (
        "https://www.facebook.com/dienluc.tinnhanh.demo/posts/11011",
        "Tin nhanh Điện lực (demo)",
        None,
        "Giá điện tăng 50% từ tháng này, nhà nào dùng điều hòa chuẩn bị tinh thần hóa đơn "
        "gấp đôi. Nhà nước giấu không công bố!",
        46,
        7200,
        2500,
        4900,
    ),
]

# (external id, text, verdict, topic)
CLAIMS = [
    ("DEMO-01", "Học phí đại học công lập tăng gấp ba từ tháng 9", "tin_gia", "giao_duc"),
    ("DEMO-02", "Giá nước sinh hoạt Hà Nội tăng 40% từ tháng sau", "tin_gia", "dien_nuoc_xang"),
    (
        "DEMO-03",
        "Không mang giấy phép lái xe bị tịch thu xe máy 30 ngày và phạt 10 triệu đồng",
        "tin_sai_su_that",
        "giao_thong",
    ),
    ("DEMO-04", "Không tiêm vắc xin nhắc lại sẽ bị cắt thẻ bảo hiểm y tế", "tin_gia", "y_te"),
    (
        "DEMO-05",
        "Sổ đỏ cấp trước năm 2015 bị thu hồi, cấp lại mất phí 5 triệu",
        "tin_gia",
        "dat_dai",
    ),
    ("DEMO-06", "Giá điện tăng 50% từ tháng này", "tin_sai_su_that", "dien_nuoc_xang"),
]

# (title, claim external id, state, topic, hours until due)
CASES = [
    ("Tin đồn học phí đại học tăng gấp ba", "DEMO-01", "triaged", "giao_duc", 21),
    ("Tin đồn giá nước Hà Nội tăng 40%", "DEMO-02", "new", "dien_nuoc_xang", 15),
    ("Mức phạt không mang bằng lái bị thổi phồng", "DEMO-03", "in_progress", "giao_thong", 10),
    ("Tin đồn giá điện tăng 50%", "DEMO-06", "new", "dien_nuoc_xang", -2),
]
