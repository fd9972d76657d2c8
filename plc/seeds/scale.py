"""``flask seed scale``: a deterministic programme the size TSQP reports (DOMAIN §2) for benchmarks
and dashboards: by default 11 networks, 636 schools in 41 provinces, about 10,000 staff and two
semesters of PLC work (circles, meetings, live sessions with attendance, cycles with phases, DE
checkpoints, outcomes and lessons learned, lesson plans with revisions, comments and forks,
reflections, coaching visits and syntheses).

It is meant for a database of its own and refuses one that holds anything beyond the reference
data. Rows are written in bulk (Core inserts of prepared dicts, in chunks) with ids assigned here,
in the shape the services give them (``plc.services.cycles.create/advance/close``,
``live_sessions.record_onsite`` and ``_finish``, ``lesson_plans.create/update/fork`` …), so the
dashboards read the same structures as in real use. Everything comes from ``random.Random(seed)``
and dates derived from ``today``: the same seed and day give the same rows (only the password hash,
computed once with a random salt, differs between runs).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from plc.extensions import db
from plc.i18n import AcademicTerm, academic_term, bangkok_today
from plc.models import (
    Affiliation,
    AreaOffice,
    FocusArea,
    Innovation,
    InnovationVersion,
    Province,
    SearchDocument,
)
from plc.models.coaching import VisitStatus
from plc.models.cycles import CycleStatus
from plc.models.goals import GoalStatus
from plc.models.live_sessions import SessionState
from plc.models.org import area_office_province
from plc.models.reflections import ReflectionStatus
from plc.rendering import render_markdown
from plc.seeds.demo import WHOLE_CLASS, combined_groups
from plc.seeds.files import DEMO_TZ
from plc.seeds.reference import seed_reference
from plc.services.cycles import PHASE_TEMPLATES
from plc.services.passwords import hash_password

SCALE_PASSWORD = "scale-pass-2567"  # noqa: S105 - published credential of generated test data
SCALE_DOMAIN = "scale.example.org"
KNOWN_ACCOUNTS = {
    f"admin@{SCALE_DOMAIN}": "admin",
    f"coordinator1@{SCALE_DOMAIN}": "coordinator of network 1",
    f"coach1@{SCALE_DOMAIN}": "coach of network 1",
    f"director1@{SCALE_DOMAIN}": "director of the first school of network 1",
    f"teacher1@{SCALE_DOMAIN}": "teacher at that school",
    f"area1@{SCALE_DOMAIN}": "area viewer of that school's area office",
}

# What `flask seed reference` fills; anything else in the database means it is not empty.
REFERENCE_TABLES = frozenset({
    "region", "province", "area_office", "area_office_province", "affiliation", "focus_area",
    "innovation", "innovation_version", "innovation_step", "search_document",
})
CHUNK = 1000
TZ = DEMO_TZ


class ScaleSeedError(RuntimeError):
    """The database is not empty, or the sizes asked for cannot be generated."""


# ---------------------------------------------------------------------------- word lists (fictional)

PLACE_FIRST = [
    ("หนอง", "Nong"), ("โคก", "Khok"), ("ห้วย", "Huai"), ("ทุ่ง", "Thung"), ("ดอน", "Don"), ("นา", "Na"),
    ("ท่า", "Tha"), ("บึง", "Bueng"), ("คลอง", "Khlong"), ("วัง", "Wang"), ("เขา", "Khao"), ("โนน", "Non"),
    ("สวน", "Suan"), ("ป่า", "Pa"), ("กุด", "Kut"), ("ซับ", "Sap"), ("ลำ", "Lam"), ("บ่อ", "Bo"),
    ("แม่", "Mae"), ("ปาก", "Pak"), ("เกาะ", "Ko"), ("หาด", "Hat"), ("ดง", "Dong"), ("สระ", "Sa"),
]
PLACE_SECOND = [
    ("ไผ่", "Phai"), ("ยาง", "Yang"), ("มะม่วง", "Mamuang"), ("ตาล", "Tan"), ("ขาม", "Kham"), ("สะแก", "Sakae"),
    ("โพธิ์", "Pho"), ("บัว", "Bua"), ("กระทุ่ม", "Krathum"), ("มะขาม", "Makham"), ("ตะเคียน", "Takhian"),
    ("ประดู่", "Pradu"), ("จิก", "Chik"), ("แก", "Kae"), ("หว้า", "Wa"), ("ปลาขาว", "Pla Khao"), ("หิน", "Hin"),
    ("ทราย", "Sai"), ("กก", "Kok"), ("เตย", "Toei"), ("ข่า", "Kha"), ("กุ่ม", "Kum"), ("ม่วง", "Muang"),
]
PLACE_THIRD = [
    ("", ""), ("", ""), ("", ""), ("ใหม่", "Mai"), ("งาม", "Ngam"), ("ทอง", "Thong"), ("แดง", "Daeng"),
    ("ใหญ่", "Yai"), ("น้อย", "Noi"), ("เหนือ", "Nuea"), ("ใต้", "Tai"), ("สามัคคี", "Samakkhi"),
    ("พัฒนา", "Phatthana"), ("เจริญ", "Charoen"), ("สว่าง", "Sawang"), ("หลวง", "Luang"), ("กลาง", "Klang"),
]
MALE_NAMES = [
    ("สมชาย", "Somchai"), ("ประเสริฐ", "Prasert"), ("วิชัย", "Wichai"), ("สุรชัย", "Surachai"),
    ("ธีรวัฒน์", "Theerawat"), ("อนุชา", "Anucha"), ("กิตติพงษ์", "Kittiphong"), ("ณัฐพล", "Nattaphon"),
    ("ชัยวัฒน์", "Chaiwat"), ("สมศักดิ์", "Somsak"), ("ปิยะ", "Piya"), ("วีระ", "Weera"), ("อภิชาติ", "Aphichat"),
    ("ศุภชัย", "Supachai"), ("เกียรติศักดิ์", "Kiattisak"), ("ธนากร", "Thanakorn"), ("พงศกร", "Phongsakorn"),
    ("ภานุวัฒน์", "Phanuwat"), ("สุทธิพงษ์", "Sutthiphong"), ("บุญมี", "Bunmi"),
]
FEMALE_NAMES = [
    ("สมศรี", "Somsri"), ("วรรณิดา", "Wannida"), ("กัลยา", "Kanlaya"), ("สุภาพร", "Supaporn"),
    ("นงลักษณ์", "Nongluck"), ("ปราณี", "Pranee"), ("รัตนา", "Rattana"), ("อรุณี", "Arunee"),
    ("จันทร์เพ็ญ", "Chanpen"), ("พิมพ์ชนก", "Phimchanok"), ("ศิริพร", "Siriporn"), ("มาลัย", "Malai"),
    ("ณัฐธิดา", "Nattida"), ("กนกวรรณ", "Kanokwan"), ("วิไลวรรณ", "Wilaiwan"), ("ดวงใจ", "Duangjai"),
    ("อัญชลี", "Anchalee"), ("สุดารัตน์", "Sudarat"), ("เพ็ญศรี", "Pensri"), ("ปวีณา", "Paweena"),
]
SURNAME_SYLLABLES = [
    ("ศรี", "si"), ("สุข", "suk"), ("ทอง", "thong"), ("มณี", "mani"), ("รัตน์", "rat"), ("ใจ", "jai"),
    ("แก้ว", "kaeo"), ("บุญ", "bun"), ("วงศ์", "wong"), ("จันทร์", "chan"), ("ชัย", "chai"), ("พันธ์", "phan"),
    ("กุล", "kun"), ("เจริญ", "charoen"), ("พร", "phon"), ("ศักดิ์", "sak"), ("สวัสดิ์", "sawat"), ("มั่น", "man"),
    ("คง", "khong"), ("เรือง", "rueang"), ("อินทร์", "in"), ("สิทธิ์", "sit"), ("ธรรม", "tham"), ("นาค", "nak"),
    ("สาย", "sai"), ("บัว", "bua"), ("เพชร", "phet"), ("ทิพย์", "thip"), ("ดี", "di"), ("งาม", "ngam"),
]
LEARNING_AREAS = ("ภาษาไทย", "คณิตศาสตร์", "วิทยาศาสตร์และเทคโนโลยี", "สังคมศึกษา ศาสนา และวัฒนธรรม",
                  "สุขศึกษาและพลศึกษา", "ศิลปะ", "การงานอาชีพ", "ภาษาต่างประเทศ")
CORE_AREAS = ("ภาษาไทย", "คณิตศาสตร์", "วิทยาศาสตร์และเทคโนโลยี", "ภาษาต่างประเทศ")
GRADE_BANDS = {"ป.1–3": ("ป.1", "ป.2", "ป.3"), "ป.4–6": ("ป.4", "ป.5", "ป.6"), "ม.1–3": ("ม.1", "ม.2", "ม.3")}
# Per learning area: (problem, title stem, measure, full score).
AREA_WORK = {
    "ภาษาไทย": [("นักเรียนอ่านจับใจความได้ต่ำกว่าเกณฑ์ของระดับชั้น", "พัฒนาการอ่านจับใจความ",
                 "แบบทดสอบการอ่านจับใจความ (เต็ม 20)", 20),
                ("นักเรียนเขียนสะกดคำผิดบ่อยและเขียนเรื่องสั้นไม่ได้", "แก้ปัญหาการเขียนสะกดคำ",
                 "แบบทดสอบการเขียนสะกดคำ (เต็ม 20)", 20)],
    "คณิตศาสตร์": [("นักเรียนแก้โจทย์ปัญหาการคูณและการหารไม่ได้", "พัฒนาทักษะการแก้โจทย์ปัญหา",
                    "แบบทดสอบการแก้โจทย์ปัญหา (เต็ม 20)", 20),
                   ("นักเรียนคิดเลขในใจไม่คล่องและขาดความมั่นใจ", "ฝึกคิดเลขเร็วอย่างมีความหมาย",
                    "แบบทดสอบคิดเลขเร็ว (เต็ม 30)", 30)],
    "วิทยาศาสตร์และเทคโนโลยี": [("นักเรียนตั้งสมมติฐานและออกแบบการทดลองเองไม่ได้",
                                 "พัฒนาทักษะกระบวนการทางวิทยาศาสตร์",
                                 "แบบวัดทักษะกระบวนการทางวิทยาศาสตร์ (เต็ม 30)", 30)],
    "สังคมศึกษา ศาสนา และวัฒนธรรม": [("นักเรียนขาดทักษะการคิดวิเคราะห์เรื่องราวในชุมชน",
                                      "เรียนรู้ชุมชนของเราจากปรากฏการณ์จริง",
                                      "แบบประเมินการคิดวิเคราะห์ (เต็ม 20)", 20)],
    "สุขศึกษาและพลศึกษา": [("นักเรียนมีสมรรถภาพทางกายต่ำกว่าเกณฑ์", "ส่งเสริมสมรรถภาพทางกาย",
                            "แบบทดสอบสมรรถภาพทางกาย (เต็ม 40)", 40)],
    "ศิลปะ": [("นักเรียนขาดความมั่นใจในการสร้างสรรค์และนำเสนอผลงาน", "สร้างสรรค์งานศิลป์จากภูมิปัญญาท้องถิ่น",
               "แบบประเมินผลงานศิลปะ (เต็ม 20)", 20)],
    "การงานอาชีพ": [("นักเรียนขาดทักษะการทำงานร่วมกันเป็นทีม", "โครงงานอาชีพในชุมชน",
                     "แบบประเมินทักษะการทำงาน (เต็ม 20)", 20)],
    "ภาษาต่างประเทศ": [("นักเรียนไม่กล้าพูดภาษาอังกฤษในชั้นเรียน", "พัฒนาทักษะการพูดภาษาอังกฤษ",
                        "แบบประเมินการพูดภาษาอังกฤษ (เต็ม 20)", 20)],
}
CORE_GOALS = [
    "นักเรียนทุกคนอ่านออกเขียนได้และอ่านคล่องเขียนคล่องตามระดับชั้น",
    "ครูทุกคนจัดการเรียนรู้เชิงรุก (Active Learning) และร่วมวง PLC อย่างน้อยภาคเรียนละ 1 วงจร",
    "ผลสัมฤทธิ์ทางการเรียนวิชาหลักสูงขึ้นอย่างน้อยร้อยละ 3 จากปีที่ผ่านมา",
    "นักเรียนทุกคนมีทักษะการคิดแก้ปัญหาและทำงานร่วมกับผู้อื่น",
]
SCHOOL_GOALS = [
    "นักเรียนร้อยละ 80 มีผลการทดสอบการอ่านจับใจความผ่านเกณฑ์",
    "นักเรียนร้อยละ 75 แก้โจทย์ปัญหาคณิตศาสตร์ได้ถูกต้อง",
    "ลดจำนวนนักเรียนกลุ่มอ่อนด้านการอ่านลงครึ่งหนึ่ง",
    "นักเรียนทุกคนได้ทำโครงงานที่เชื่อมโยงกับชุมชนอย่างน้อยปีละ 1 โครงงาน",
    "นักเรียนกลุ่มเสี่ยงได้รับการดูแลช่วยเหลือรายบุคคลทุกคน",
    "ครูใช้ข้อมูลสารสนเทศคุณภาพ (Q-Info) วางแผนการสอนทุกภาคเรียน",
]
CHECKPOINT_TEXT = {
    "upstream": ("ทบทวนปัญหาและข้อมูลผลการเรียนก่อนออกแบบ", "กำหนดตัวชี้วัดและเครื่องมือเก็บข้อมูล",
                 None, "ปรับเป้าหมายให้ชัดเจนและวัดได้"),
    "midstream": ("ทบทวนแผนหลังสอนครั้งแรก", "ติดตามการมีส่วนร่วมของนักเรียนกลุ่มอ่อน",
                  "นักเรียนส่วนใหญ่ทำกิจกรรมได้ แต่ยังต้องการเวลาเพิ่ม", "เพิ่มสื่อรูปธรรมและการทำงานเป็นคู่"),
    "downstream": ("ทบทวนผลทั้งวงจร", "ติดตามผลการทดสอบหลังเรียน",
                   "ผลหลังเรียนดีขึ้นโดยเฉพาะกลุ่มกลาง", "นำแผนที่ปรับแล้วไปใช้กับห้องอื่น"),
}
LESSONS = {
    "results": "นักเรียนส่วนใหญ่มีผลการทดสอบหลังเรียนสูงขึ้น และกล้าแสดงความคิดเห็นมากขึ้น",
    "picture_of_success": "นักเรียนอธิบายวิธีคิดของตนเองได้ ครูในวงช่วยกันปรับแผนทุกสัปดาห์",
    "problems": "เวลาในการสังเกตชั้นเรียนไม่ตรงกัน และนักเรียนบางคนขาดเรียนบ่อย",
    "conditions": "ผู้บริหารจัดตารางให้ครูได้สังเกตการสอนร่วมกัน และมีโค้ชเครือข่ายติดตามต่อเนื่อง",
    "next_steps": "ขยายผลไปยังระดับชั้นอื่นและแลกเปลี่ยนในเวทีเครือข่าย",
}
PLAN_REVISION_LINES = [
    "- ปรับใบงานให้เหมาะกับนักเรียนกลุ่มอ่อน",
    "- เพิ่มคำถามกระตุ้นการคิดในขั้นสอน",
    "## บันทึกหลังสอน\n- นักเรียนร่วมกิจกรรมดีขึ้น แต่ใช้เวลามากกว่าที่วางแผนไว้",
    "- ลดเนื้อหาในชั่วโมงแรกและเพิ่มการทำงานเป็นคู่",
]
PLAN_MESSAGES = ["ปรับใบงานหลังสังเกตชั้นเรียน", "เพิ่มคำถามกระตุ้นการคิด", "บันทึกผลหลังสอน",
                 "ปรับตามข้อเสนอแนะของวง PLC"]
COMMENTS = [
    ("question", "ขั้นสรุปใช้เวลากี่นาทีคะ"),
    ("suggestion", "ลองเพิ่มบัตรคำสำหรับกลุ่มอ่อนดูครับ"),
    ("strength", "คำถามในขั้นนำดีมาก นักเรียนน่าจะสนใจ"),
    ("note", "ห้อง ป.5/2 ใช้แผนนี้แล้วได้ผลดี"),
    ("suggestion", "อาจแบ่งกิจกรรมเป็นสองคาบ"),
    ("question", "มีแบบประเมินตามสภาพจริงแนบไว้ไหมครับ"),
]
REPLIES = ["ขอบคุณค่ะ จะลองปรับดู", "ประมาณ 10 นาทีครับ", "แนบไว้ในไฟล์ท้ายแผนแล้วค่ะ"]
REFLECTION_PARTS = {
    "results": ["นักเรียนทำใบงานได้ถูกต้องมากขึ้น", "นักเรียนกลุ่มอ่อนยังตามไม่ทัน", "ผลการทดสอบย่อยดีขึ้น"],
    "picture_of_success": ["นักเรียนช่วยกันอธิบายคำตอบ", "ห้องเรียนมีบรรยากาศของการถามตอบ"],
    "problems": ["เวลาไม่พอ", "สื่อไม่พอสำหรับทุกกลุ่ม", "นักเรียนขาดเรียนบ่อย"],
    "conditions": ["เพื่อนครูช่วยสังเกตการสอน", "มีโค้ชให้คำแนะนำ"],
    "next_steps": ["ปรับกิจกรรมกลุ่ม", "เพิ่มการประเมินระหว่างเรียน", "ทดลองกับอีกห้องหนึ่ง"],
    "innovation_tried": ["ใช้ขั้นตอนของนวัตกรรมในขั้นสอน", "ใช้คำถามปลายเปิด"],
    "lessons_learned": ["การวางแผนร่วมกันทำให้เห็นปัญหาชัดขึ้น", "ข้อมูลก่อนเรียนช่วยจัดกลุ่มได้ดี"],
}
REFLECTION_BODIES = [
    "สะท้อนคิดหลังสอนคาบที่ 2: นักเรียน **กลุ่มกลาง** ทำได้ดีขึ้นชัดเจน",
    "บันทึกหลังการสังเกตชั้นเรียนร่วมกับเพื่อนครู\n\n- สิ่งที่ได้ผล\n- สิ่งที่ต้องปรับ",
    "ข้อสังเกตจากการใช้นวัตกรรมครั้งแรก: ต้องเตรียมสื่อให้พร้อมก่อนเริ่มคาบ",
    "",
]
FEEDBACK = ["ขอบคุณที่แบ่งปันค่ะ ลองให้นักเรียนทำงานเป็นคู่ดูนะคะ", "เห็นพัฒนาการชัดเจนครับ",
            "ครั้งหน้าลองเก็บข้อมูลกลุ่มอ่อนเพิ่มนะคะ"]
VISIT_FOCUS = ["การใช้คำถามกระตุ้นการคิด", "การจัดกิจกรรมกลุ่ม", "การดูแลนักเรียนกลุ่มอ่อน",
               "การประเมินระหว่างเรียน", "การใช้สื่อและแหล่งเรียนรู้"]
VISIT_NOTES = ["นักเรียนส่วนใหญ่มีส่วนร่วม ครูใช้คำถามปลายเปิดได้ดี",
               "นักเรียนกลุ่มอ่อนยังไม่กล้าตอบ ควรให้เวลาคิดมากขึ้น",
               "กิจกรรมกลุ่มเป็นไปตามแผน นักเรียนช่วยกันอธิบาย"]
SYNTHESES = [
    "## สังเคราะห์ผลการนิเทศ\n\n- ครูพัฒนาการใช้คำถามได้ต่อเนื่อง\n- ควรติดตามนักเรียนกลุ่มอ่อนรายบุคคล",
    "## สรุปการนิเทศภาคเรียนนี้\n\nครูนำข้อเสนอแนะไปปรับแผนทุกครั้ง ผลการเรียนของนักเรียน **ดีขึ้น**",
]
CHAT = ["สวัสดีค่ะทุกคน", "วันนี้เราจะสรุปผลการสังเกตชั้นเรียนนะครับ", "ลองใช้ใบงานกับ ป.4 แล้วได้ผลดีค่ะ",
        "กลุ่มอ่อนยังต้องการสื่อรูปธรรมมากขึ้น", "เห็นด้วยครับ", "ส่งไฟล์แผนในระบบแล้วนะคะ",
        "สัปดาห์หน้าใครสะดวกสังเกตการสอนบ้างคะ", "ขอบคุณทุกคนครับ"]
SUMMARIES = ["- ปรับใบงานให้มีระดับความยาก 3 ระดับ\n- สังเกตการสอนรอบถัดไปสัปดาห์หน้า",
             "- ใช้แบบทดสอบหลังเรียนชุดเดียวกันทุกห้อง\n- ส่งแผนที่ปรับแล้วก่อนวันศุกร์"]
ACTION_ITEMS = ["ปรับใบงานตามข้อเสนอ", "นัดสังเกตการสอน", "รวบรวมคะแนนหลังเรียน"]
INNOVATION_WEIGHTS = {"five-l-model": 4, "pac-model": 4, "sati-kids-model": 2, "pissa": 2, "three-sa-model": 2,
                      "coach-for-goals": 2, "nunoi-wai-sai": 1, "sisaket3-literacy-numeracy": 2}


# ---------------------------------------------------------------------------- in-memory structures


@dataclass
class _Job:
    user_id: int
    role: str
    school_id: int | None
    starts_on: date
    ends_on: date | None = None

    def holds_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on > day)


@dataclass
class _School:
    id: int
    index: int
    network_ids: list[int]
    province_id: int
    office_id: int
    size: str = "small"
    director_id: int = 0
    teachers: list[_Job] = field(default_factory=list)  # teacher memberships at this school, movers included
    circles: list[_Circle] = field(default_factory=list)


@dataclass
class _Member:
    user_id: int
    joined_on: date
    left_on: date | None
    role: str = "member"

    def current_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


@dataclass
class _Circle:
    id: int
    school_id: int | None
    network_id: int | None
    created_on: date
    meeting_count: int
    learning_area: str
    grade_band: str
    facilitator_id: int
    dormant: bool
    members: list[_Member] = field(default_factory=list)
    cycles: list[_Cycle] = field(default_factory=list)
    meetings: int = 0


@dataclass
class _Phase:
    id: int
    started_on: date | None
    ended_on: date | None


@dataclass
class _Cycle:
    id: int
    circle: _Circle
    start: date
    closed_on: date | None
    phases: list[_Phase]
    step_ids: list[int]
    learning_area: str
    grade: str
    title: str

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.closed_on is None or day <= self.closed_on)

    def phase_on(self, day: date) -> _Phase | None:
        started = [p for p in self.phases if p.started_on and p.started_on <= day]
        return started[-1] if started else None


class _Out:
    """Rows per table with ids assigned here, written in the metadata's dependency order."""

    def __init__(self):
        self.rows: dict[str, list[dict]] = {}
        self._next: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        if table not in self._next:
            column = db.metadata.tables[table].c.id
            self._next[table] = (db.session.scalar(select(func.max(column))) or 0) + 1
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def add(self, table: str, **values) -> int | None:
        if "id" in db.metadata.tables[table].c and "id" not in values:
            values["id"] = self.next_id(table)
        self.rows.setdefault(table, []).append(values)
        return values.get("id")

    def write(self, progress: Callable[[str], None]) -> None:
        for table in db.metadata.sorted_tables:
            rows = self.rows.pop(table.name, None)
            if not rows:
                continue
            progress(f"writing {table.name} ({len(rows)} rows)")
            keys = list(dict.fromkeys(key for row in rows for key in row))
            if "id" in keys:
                rows.sort(key=lambda row: row["id"])  # parents before children in self-references
            statement = table.insert()
            for start in range(0, len(rows), CHUNK):
                chunk = [{key: row.get(key) for key in keys} for row in rows[start:start + CHUNK]]
                db.session.execute(statement, chunk)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if db.engine.dialect.name == "postgresql":
            for name in self.counts:
                table = db.metadata.tables[name]
                if "id" in table.c:  # explicit ids leave the sequences behind
                    sequence = func.pg_get_serial_sequence(f'"{name}"', "id")
                    db.session.execute(select(func.setval(sequence, select(func.max(table.c.id)).scalar_subquery())))


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def _previous(term: AcademicTerm) -> AcademicTerm:
    return AcademicTerm(term.year_be, 1) if term.semester == 2 else AcademicTerm(term.year_be - 1, 2)


def _split(total: int, parts: int, rng: random.Random, low: float, high: float, minimum: int) -> list[int]:
    """``total`` in ``parts`` shares drawn between ``low`` and ``high``, each at least ``minimum``."""
    weights = [rng.uniform(low, high) for _ in range(parts)]
    spare = total - minimum * parts
    raw = [spare * w / sum(weights) for w in weights]
    shares = [math.floor(r) for r in raw]
    order = sorted(range(parts), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in order[:spare - sum(shares)]:
        shares[i] += 1
    return [minimum + s for s in shares]


def non_reference_tables() -> list[str]:
    """Tables that hold rows `flask seed reference` does not write (empty list: fit for the scale seed)."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in REFERENCE_TABLES:
            continue
        if db.session.execute(select(table).limit(1)).first() is not None:
            found.append(table.name)
    if db.session.scalar(select(func.count()).select_from(Innovation).where(
            (Innovation.created_by_id.is_not(None)) | Innovation.owner_school_id.is_not(None)
            | Innovation.owner_network_id.is_not(None))):
        found.append("innovation")
    if db.session.scalar(select(func.count()).select_from(SearchDocument).where(SearchDocument.kind != "innovation")):
        found.append("search_document")
    return found


# ---------------------------------------------------------------------------- the generator


def seed_scale(*, seed: int = 1, networks: int = 11, schools: int = 636, provinces: int = 41, staff: int = 10000,
               semesters: int = 2, today: date | None = None,
               progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Generates the programme into an otherwise empty database (reference data is loaded first);
    flushes, never commits. Returns the rows written per table."""

    progress = progress or (lambda _message: None)
    if networks < 1 or semesters < 1 or provinces < 1:
        raise ScaleSeedError("networks, provinces and semesters must be at least 1.")
    if schools < networks or schools < provinces:
        raise ScaleSeedError("Each network and each province needs at least one school.")
    busy = non_reference_tables()
    if busy:
        raise ScaleSeedError(
            "This database already holds data beyond the reference seed (" + ", ".join(busy[:6])
            + (", …" if len(busy) > 6 else "") + "). The scale data goes in a database of its own: point "
            "DATABASE_URL at a new one, run `flask db upgrade`, then `flask seed scale`.")
    progress("reference data")
    seed_reference()
    db.session.flush()
    generator = _Generator(random.Random(seed), today or bangkok_today(), progress)
    generator.run(networks=networks, schools=schools, provinces=provinces, staff=staff, semesters=semesters)
    generator.out.write(progress)
    db.session.flush()
    return dict(generator.out.counts)


class _Generator:
    def __init__(self, rng: random.Random, today: date, progress: Callable[[str], None]):
        self.rng, self.today, self.progress = rng, today, progress
        self.out = _Out()
        self._html_cache: dict[str, str] = {}

    # -------------------------------------------------------------------- helpers

    def html(self, source: str) -> str:
        if source not in self._html_cache:
            self._html_cache[source] = render_markdown(source)
        return self._html_cache[source]

    def day_in(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def person(self) -> tuple[str, str, str]:
        rng = self.rng
        female = rng.random() < 0.62
        first_th, first_en = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        parts = rng.sample(SURNAME_SYLLABLES, rng.choice((2, 2, 3)))
        surname_th = "".join(th for th, _en in parts)
        surname_en = "".join(en for _th, en in parts).capitalize()
        title = ("นางสาว" if rng.random() < 0.4 else "นาง") if female else "นาย"
        return f"{first_th} {surname_th}", f"{first_en} {surname_en}", title

    def place(self, used: set[str]) -> tuple[str, str]:
        for _attempt in range(200):
            parts = [self.rng.choice(PLACE_FIRST), self.rng.choice(PLACE_SECOND), self.rng.choice(PLACE_THIRD)]
            name_th = "".join(th for th, _en in parts)
            if name_th not in used:
                used.add(name_th)
                return name_th, " ".join(en for _th, en in parts if en)
        name_th = f"{name_th}{len(used)}"  # only with very many schools
        used.add(name_th)
        return name_th, f"{' '.join(en for _th, en in parts if en)} {len(used)}"

    # -------------------------------------------------------------------- stages

    def run(self, *, networks: int, schools: int, provinces: int, staff: int, semesters: int) -> None:
        terms = [academic_term(self.today)]
        for _index in range(semesters - 1):
            terms.insert(0, _previous(terms[0]))
        self.terms = terms
        self.first_day = terms[0].starts_on
        self.progress(f"organisation: {networks} networks, {schools} schools in {provinces} provinces")
        self.organisation(networks, schools, provinces)
        self.progress(f"people: {staff} staff and their memberships")
        self.people(staff)
        self.progress("school goals")
        self.goals()
        self.progress("circles and their members")
        self.circles()
        self.progress("cycles, phases, DE checkpoints, outcomes and lessons learned")
        self.load_innovations()
        for circle in self.all_circles:
            self.cycles_of(circle)
        self.progress("meetings and live sessions with attendance and chat")
        for circle in self.all_circles:
            self.meetings_of(circle)
        self.progress("lesson plans, revisions, comments and forks")
        self.lesson_plans()
        self.progress("reflections")
        self.reflections()
        self.progress("coaching visits and syntheses")
        self.coaching()

    # -------------------------------------------------------------------- organisation

    def organisation(self, network_count: int, school_count: int, province_count: int) -> None:
        rng, out = self.rng, self.out
        all_provinces = [row.id for row in db.session.execute(select(Province.id).order_by(Province.code))]
        offices_of: dict[int, list[tuple[int, str]]] = {}
        for office_id, province_id, kind in db.session.execute(
                select(area_office_province.c.area_office_id, area_office_province.c.province_id, AreaOffice.kind)
                .join(AreaOffice, AreaOffice.id == area_office_province.c.area_office_id)
                .order_by(AreaOffice.code)):
            offices_of.setdefault(province_id, []).append((office_id, kind))
        all_offices = list(db.session.scalars(select(AreaOffice.id).order_by(AreaOffice.code)))
        if province_count > len(all_provinces):
            raise ScaleSeedError(f"There are {len(all_provinces)} provinces in the reference data.")
        with_offices = [p for p in all_provinces if p in offices_of]
        chosen = rng.sample(with_offices, min(province_count, len(with_offices)))
        if province_count > len(chosen):
            chosen += rng.sample([p for p in all_provinces if p not in offices_of], province_count - len(chosen))
        picked = set(chosen)
        chosen = [p for p in all_provinces if p in picked]  # in code order: neighbours stay together
        obec = db.session.scalar(select(Affiliation.id).where(Affiliation.code == "OBEC"))

        self.networks: list[int] = []
        cohort_one = max(1, round(network_count * 0.4))
        created = _at(self.first_day - timedelta(days=1000), 10)  # before anyone's membership
        for index in range(network_count):
            number = index + 1
            kind = "area" if rng.random() < 0.7 else "issue"
            self.networks.append(out.add(
                "network", key=f"TSQP-{number:02d}", name_th=f"เครือข่ายพัฒนาร่วม ที่ {number}",
                name_en=f"Co-development network {number}", kind=kind, programme="TSQP",
                cohort=1 if index < cohort_one else 2, formal=True,
                description="เครือข่ายพัฒนาร่วมของโครงการ TSQP (ข้อมูลสมมติสำหรับทดสอบขนาดจริง)",
                created_at=created))
        blocks = []
        for index in range(network_count):
            block = [p for j, p in enumerate(chosen) if j * network_count // len(chosen) == index]
            blocks.append(block or [chosen[index * len(chosen) // network_count]])

        per_network = _split(school_count, network_count, rng, 0.85, 1.15, 1)
        self.schools: list[_School] = []
        self.network_schools: dict[int, list[_School]] = {n: [] for n in self.networks}
        used_names: set[str] = set()
        for index, network_id in enumerate(self.networks):
            block = blocks[index]
            for k in range(per_network[index]):
                province_id = block[k % len(block)]
                offices = offices_of.get(province_id, [])
                primary = [o for o, kind in offices if kind == "primary"]
                office_id = rng.choice(primary or [o for o, _k in offices] or all_offices)
                name_th, name_en = self.place(used_names)
                district_th, _district_en = self.place(used_names)
                roll = rng.random()
                levels = (["pre_primary", "primary"] if roll < 0.7 else
                          ["pre_primary", "primary", "lower_secondary"] if roll < 0.95 else ["primary"])
                flags = [flag for flag, chance in (("remote", 0.06), ("quality", 0.1), ("model", 0.03))
                         if rng.random() < chance]
                if k == 0:
                    flags.append("hub")
                school_id = out.add(
                    "school", name_th=f"โรงเรียนบ้าน{name_th}", alt_name_th=None, name_en=f"Ban {name_en} School",
                    affiliation_id=obec, area_office_id=office_id, province_id=province_id,
                    district_th=district_th, levels=levels, size=None, flags=flags, source="flask seed scale",
                    created_at=created)
                school = _School(school_id, len(self.schools), [network_id], province_id, office_id)
                self.schools.append(school)
                self.network_schools[network_id].append(school)
        # A few schools belong to two networks.
        if network_count > 1:
            for school in rng.sample(self.schools[1:], max(1, round(school_count * 0.03))):
                other = self.networks[(self.networks.index(school.network_ids[0]) + 1) % network_count]
                school.network_ids.append(other)
                self.network_schools[other].append(school)
        for school in self.schools:
            for network_id in school.network_ids:
                out.add("network_school", network_id=network_id, school_id=school.id)

    # -------------------------------------------------------------------- people

    def people(self, staff: int) -> None:
        rng, out = self.rng, self.out
        self.password_hash = hash_password(SCALE_PASSWORD)
        self.jobs: dict[int, list[_Job]] = {}
        self.network_staff: dict[int, dict[str, list[int]]] = {}
        offices = list(dict.fromkeys(s.office_id for s in self.schools))  # in order of first use
        plan = {n: {"coordinator": 1 + (rng.random() < 0.5), "coach": 2 + (rng.random() < 0.5), "supervisor": 1}
                for n in self.networks}
        fixed = 1 + sum(sum(p.values()) for p in plan.values()) + len(offices) + len(self.schools)
        teachers_total = staff - fixed
        if teachers_total < 2 * len(self.schools):
            raise ScaleSeedError(f"{staff} staff are too few: {fixed} directors, network and area staff, "
                                 f"plus at least two teachers per school, need {fixed + 2 * len(self.schools)}.")
        teacher_counts = _split(teachers_total, len(self.schools), rng, 12, 18, 2)

        def user(email: str | None, position: str, learning_area: str | None = None) -> int:
            user_id = out.next_id("user")
            name_th, name_en, title = self.person()
            seen = rng.random() < 0.75
            yesterday = self.today - timedelta(days=1)
            out.add("user", id=user_id, email=email or f"u{user_id}@{SCALE_DOMAIN}", name_th=name_th,
                    name_en=name_en, title_th=title, position_th=position, learning_area_th=learning_area,
                    password_hash=self.password_hash, locale="th", thai_digits=False, created_at=None,
                    last_login_at=_at(self.day_in(min(self.first_day, yesterday), yesterday), 19) if seen else None,
                    password_changed_at=None, disabled_at=None)
            return user_id

        def membership(job: _Job, network_id: int | None = None, office_id: int | None = None) -> None:
            out.add("membership", user_id=job.user_id, role=job.role, school_id=job.school_id, network_id=network_id,
                    area_office_id=office_id, starts_on=job.starts_on, ends_on=job.ends_on, created_by_id=None,
                    created_at=_at(job.starts_on, 8))
            self.jobs.setdefault(job.user_id, []).append(job)

        def early_start() -> date:
            return self.first_day - timedelta(days=rng.randint(14, 900))

        self.admin_id = user(f"admin@{SCALE_DOMAIN}", "เจ้าหน้าที่บริหารโครงการ")
        membership(_Job(self.admin_id, "admin", None, self.first_day - timedelta(days=400)))
        for index, network_id in enumerate(self.networks):
            people: dict[str, list[int]] = {"coordinator": [], "coach": [], "supervisor": []}
            for role, count in plan[network_id].items():
                for k in range(count):
                    known = f"{role}1@{SCALE_DOMAIN}" if index == 0 and k == 0 and role != "supervisor" else None
                    position = {"coordinator": "ผู้ประสานงานเครือข่าย", "coach": "ครู คศ.3 (โค้ชเครือข่าย)",
                                "supervisor": "ศึกษานิเทศก์"}[role]
                    user_id = user(known, position, rng.choice(CORE_AREAS) if role == "coach" else None)
                    membership(_Job(user_id, role, None, early_start()), network_id=network_id)
                    people[role].append(user_id)
            self.network_staff[network_id] = people
        first_school = self.network_schools[self.networks[0]][0]
        self.director1_school = first_school
        self.teacher1_id = 0
        for school in self.schools:
            known = school is first_school
            school.director_id = user(f"director1@{SCALE_DOMAIN}" if known else None, "ผู้อำนวยการโรงเรียน")
            membership(_Job(school.director_id, "director", school.id, early_start()))
            count = teacher_counts[school.index]
            school.size = "small" if count <= 13 else "medium" if count <= 16 else "large"
            out.rows["school"][school.index]["size"] = school.size
            for k in range(count):
                email = f"teacher1@{SCALE_DOMAIN}" if known and k == 0 else None
                area = rng.choice(LEARNING_AREAS)
                user_id = user(email, rng.choice(("ครู คศ.1", "ครู คศ.2", "ครู คศ.2", "ครู คศ.3", "ครูผู้ช่วย")), area)
                if email:
                    self.teacher1_id = user_id
                school.teachers.append(_Job(user_id, "teacher", school.id, early_start()))
        self.area_viewer_of: dict[int, int] = {}
        for number, office_id in enumerate(offices, 1):
            user_id = user(f"area1@{SCALE_DOMAIN}" if number == 1 else None, "เจ้าหน้าที่สำนักงานเขตพื้นที่การศึกษา")
            membership(_Job(user_id, "area_viewer", None, early_start()), office_id=office_id)
            self.area_viewer_of[office_id] = user_id

        # About 3 % of teachers leave during a semester (half of them move to another school of
        # the network), about 3 % join during one.
        windows = [(t.starts_on + timedelta(days=10), min(t.ends_on, self.today) - timedelta(days=5)) for t in self.terms]
        windows = [(a, b) for a, b in windows if b > a]
        movable = [job for school in self.schools for job in school.teachers if job.user_id != self.teacher1_id]
        rng.shuffle(movable)
        count = round(len(movable) * 0.03) if windows else 0
        leavers, joiners = movable[:count], movable[count:2 * count]
        for job in joiners:
            job.starts_on = self.day_in(*rng.choice(windows))
        moved: set[int] = set()  # ids of the memberships at the new school
        for job in leavers:
            job.ends_on = self.day_in(*rng.choice(windows))
            school = next(s for s in self.schools if s.id == job.school_id)
            others = [s for s in self.network_schools[school.network_ids[0]] if s.id != school.id]
            if others and rng.random() < 0.5:
                target = rng.choice(others)
                new_job = _Job(job.user_id, "teacher", target.id, job.ends_on)
                moved.add(id(new_job))
                target.teachers.append(new_job)
        self.school_coaches: dict[int, list[_Job]] = {}
        for school in self.schools:
            for job in school.teachers:
                membership(job)
                if id(job) not in moved and rng.random() < 0.08:
                    coach = _Job(job.user_id, "coach", school.id, job.starts_on, job.ends_on)
                    membership(coach)
                    self.school_coaches.setdefault(school.id, []).append(coach)
        self.school_by_id = {s.id: s for s in self.schools}
        # An account exists from shortly before its first membership.
        for row in out.rows["user"]:
            first = min(job.starts_on for job in self.jobs[row["id"]])
            row["created_at"] = _at(first - timedelta(days=rng.randint(1, 14)), 8)

    # -------------------------------------------------------------------- goals

    def goals(self) -> None:
        rng, out = self.rng, self.out
        areas = list(db.session.scalars(select(FocusArea.id).order_by(FocusArea.taxonomy, FocusArea.position)))
        years = sorted({t.year_be for t in self.terms})
        current_year = self.terms[-1].year_be
        self.goals_of: dict[tuple[int, int], list[int]] = {}  # (school id, year) -> goal ids
        self.core_of: dict[tuple[int, int, int], int] = {}  # (school, network, year) -> copy id

        def tags(goal_id: int, chosen: list[int]) -> None:
            for area_id in chosen:
                out.add("goal_focus_area", goal_id=goal_id, focus_area_id=area_id)

        def approved_on(created: date) -> date:
            return min(created + timedelta(days=rng.randint(3, 20)), self.today)

        for year in years:
            year_start = AcademicTerm(year, 1).starts_on
            published = max(year_start - timedelta(days=20), self.first_day - timedelta(days=200))
            for network_id in self.networks:
                coordinator = self.network_staff[network_id]["coordinator"][0]
                chosen = sorted(rng.sample(areas, 2))
                statement = CORE_GOALS[(self.networks.index(network_id) + year) % len(CORE_GOALS)]
                template = out.add(
                    "school_goal", kind="core", school_id=None, network_id=network_id, parent_id=None,
                    carried_from_id=None, academic_year_be=year, statement=statement,
                    context_needs="ผลการประเมินระดับชาติและข้อมูลคุณภาพของโรงเรียนในเครือข่าย",
                    indicator="ร้อยละของนักเรียนที่ผ่านเกณฑ์", target="ร้อยละ 80", status=GoalStatus.APPROVED,
                    approved_by_id=coordinator, approved_at=_at(published, 14), created_by_id=coordinator,
                    created_at=_at(published, 10), updated_at=_at(published, 14))
                tags(template, chosen)
                for school in self.network_schools[network_id]:
                    approved = rng.random() < 0.75
                    on = approved_on(published)
                    copy = out.add(
                        "school_goal", kind="core", school_id=school.id, network_id=network_id, parent_id=template,
                        carried_from_id=None, academic_year_be=year, statement=statement,
                        context_needs="ผลการประเมินระดับชาติและข้อมูลคุณภาพของโรงเรียนในเครือข่าย",
                        indicator="ร้อยละของนักเรียนที่ผ่านเกณฑ์", target="ร้อยละ 80",
                        status=GoalStatus.APPROVED if approved else GoalStatus.DRAFT,
                        approved_by_id=school.director_id if approved else None,
                        approved_at=_at(on, 14) if approved else None, created_by_id=coordinator,
                        created_at=_at(published, 10), updated_at=_at(on if approved else published, 14))
                    tags(copy, chosen)
                    self.core_of[(school.id, network_id, year)] = copy
                    self.goals_of.setdefault((school.id, year), []).append(copy)
            for school in self.schools:
                for statement in rng.sample(SCHOOL_GOALS, rng.choice((1, 2, 2))):
                    created = max(year_start - timedelta(days=rng.randint(5, 30)), self.first_day - timedelta(days=200))
                    approved = rng.random() < 0.7
                    status = GoalStatus.APPROVED if approved else GoalStatus.DRAFT
                    closed = None
                    if approved and year < current_year:
                        roll = rng.random()
                        status = (GoalStatus.ACHIEVED if roll < 0.45
                                  else GoalStatus.CARRIED_OVER if roll < 0.7 else GoalStatus.APPROVED)
                        closed = AcademicTerm(year + 1, 1).starts_on - timedelta(days=rng.randint(1, 10))
                    on = approved_on(created)
                    goal = out.add(
                        "school_goal", kind="school", school_id=school.id, network_id=None, parent_id=None,
                        carried_from_id=None, academic_year_be=year, statement=statement,
                        context_needs="ข้อมูลผลการเรียนปีที่ผ่านมา", indicator="ผลการทดสอบของโรงเรียน",
                        target="ร้อยละ 75", status=status, approved_by_id=school.director_id if approved else None,
                        approved_at=_at(on, 14) if approved else None, created_by_id=school.director_id,
                        created_at=_at(created, 10), updated_at=_at(closed or (on if approved else created), 15))
                    tags(goal, sorted(rng.sample(areas, rng.choice((1, 2)))))
                    self.goals_of.setdefault((school.id, year), []).append(goal)
                    if status == GoalStatus.CARRIED_OVER:  # next year's follow-up, as transition() adds it
                        follow = out.add(
                            "school_goal", kind="school", school_id=school.id, network_id=None, parent_id=None,
                            carried_from_id=goal, academic_year_be=year + 1, statement=statement,
                            context_needs="ข้อมูลผลการเรียนปีที่ผ่านมา", indicator="ผลการทดสอบของโรงเรียน",
                            target="ร้อยละ 75", status=GoalStatus.DRAFT, approved_by_id=None, approved_at=None,
                            created_by_id=school.director_id, created_at=_at(closed, 15), updated_at=_at(closed, 15))
                        self.goals_of.setdefault((school.id, year + 1), []).append(follow)

    # -------------------------------------------------------------------- circles

    def circles(self) -> None:
        rng, out = self.rng, self.out
        self.all_circles: list[_Circle] = []
        later_terms = self.terms[1:]

        def created_on() -> date:
            if later_terms and rng.random() < 0.15:
                term = rng.choice(later_terms)
                return min(term.starts_on + timedelta(days=rng.randint(0, 20)), self.today - timedelta(days=1))
            return self.first_day - timedelta(days=rng.randint(3, 20))

        def add_circle(name: str, school: _School | None, network_id: int | None, area: str, band: str,
                       facilitator: int, on: date) -> _Circle:
            count = 1 if rng.random() < 0.6 else 2
            circle_id = out.add(
                "circle", name=name, school_id=school.id if school else None, network_id=network_id,
                learning_area=area, grade_band=band,
                description=f"วง PLC กลุ่มสาระ{area} ชั้น {band} ร่วมกันแก้ปัญหาการเรียนรู้ของนักเรียน",
                norms="- ตรงต่อเวลา\n- รับฟังอย่างเปิดใจ\n- วิจารณ์อย่างกัลยาณมิตร", norms_version=1,
                meeting_count=count, meeting_period="semester", created_by_id=facilitator, created_at=_at(on, 8),
                archived_at=None)
            circle = _Circle(circle_id, school.id if school else None, network_id, on, count, area, band, facilitator,
                             dormant=rng.random() < 0.06)
            self.all_circles.append(circle)
            return circle

        def join(circle: _Circle, user_id: int, job: _Job | None, role: str = "member") -> None:
            joined = circle.created_on
            left = None
            if job is not None:
                if job.starts_on > joined:
                    joined = min(job.starts_on + timedelta(days=rng.randint(0, 10)), self.today)
                left = job.ends_on
                if left is not None and left <= joined:
                    return
            if left is None and role == "member" and rng.random() < 0.02 and joined < self.today - timedelta(days=2):
                left = self.day_in(joined + timedelta(days=1), self.today - timedelta(days=1))
            circle.members.append(_Member(user_id, joined, left, role))

        for school in self.schools:
            jobs = [j for j in school.teachers if j.ends_on is None or j.ends_on > self.first_day]
            wanted = min(rng.choice((1, 2, 2, 2, 3)), max(1, len(jobs) // 4))
            areas = rng.sample(LEARNING_AREAS, wanted)
            bands = [rng.choice(list(GRADE_BANDS)) for _ in areas]
            # The facilitator is a teacher who stays (teacher1 at the first school).
            stayers = [j for j in jobs if j.ends_on is None and j.starts_on <= self.first_day]
            if school is self.director1_school:
                stayers.sort(key=lambda j: j.user_id != self.teacher1_id)
            facilitators = stayers[:wanted] if len(stayers) >= wanted else (stayers + jobs)[:wanted]
            for k in range(wanted):
                on = self.first_day - timedelta(days=rng.randint(3, 20)) if (
                    k == 0 or school is self.director1_school) else created_on()
                name = f"วง PLC {areas[k]} {bands[k]}"
                circle = add_circle(name, school, None, areas[k], bands[k], facilitators[k].user_id, on)
                if school is self.director1_school:
                    circle.dormant = False  # the published accounts have work to show
                school.circles.append(circle)
                join(circle, facilitators[k].user_id, facilitators[k], "facilitator")
            lead = {f.user_id for f in facilitators}
            for job in jobs:
                if job.user_id in lead:
                    continue
                if rng.random() < 0.08:
                    continue  # not in any circle: no PLC hours
                first = rng.randrange(wanted)
                join(school.circles[first], job.user_id, job)
                if wanted > 1 and rng.random() < 0.15:
                    join(school.circles[(first + 1) % wanted], job.user_id, job)
            if rng.random() < 0.3 or school is self.director1_school:
                join(school.circles[0], school.director_id, None)
            # Teachers who moved here during a semester join a circle of their new school.
            for job in school.teachers:
                if job.starts_on > self.first_day and not any(m.user_id == job.user_id for c in school.circles
                                                              for m in c.members) and rng.random() < 0.7:
                    circle = rng.choice(school.circles)
                    if circle.created_on <= job.starts_on:
                        join(circle, job.user_id, job)

        for index, network_id in enumerate(self.networks):
            people = self.network_staff[network_id]
            schools = self.network_schools[network_id]
            for k in range(2):
                area = CORE_AREAS[(index + k) % len(CORE_AREAS)]
                band = "ป.1–6" if k == 0 else "ป.4–6"
                coach = people["coach"][k % len(people["coach"])]
                circle = add_circle(f"วง PLC เครือข่ายพัฒนาร่วม ที่ {index + 1} กลุ่มสาระ{area}", None, network_id,
                                    area, band, coach, self.first_day - timedelta(days=rng.randint(5, 25)))
                circle.dormant = False
                join(circle, coach, None, "facilitator")
                for other in people["coach"]:
                    if other != coach:
                        join(circle, other, None)
                if k == 0:
                    join(circle, people["coordinator"][0], None)
                picked = rng.sample(schools, min(len(schools), rng.randint(3, 6)))
                candidates = [j for s in picked for j in s.teachers if j.ends_on is None and j.starts_on <= self.first_day]
                for job in rng.sample(candidates, min(len(candidates), rng.randint(8, 14))):
                    join(circle, job.user_id, job)

        for circle in self.all_circles:
            for member in circle.members:
                accepted = rng.random() < 0.85 or member.role == "facilitator"
                out.add("circle_member", circle_id=circle.id, user_id=member.user_id, role=member.role,
                        joined_on=member.joined_on, left_on=member.left_on,
                        accepted_norms_version=1 if accepted else None,
                        accepted_norms_at=_at(member.joined_on, 10) if accepted else None)

    # -------------------------------------------------------------------- cycles

    def load_innovations(self) -> None:
        innovations = list(db.session.scalars(select(Innovation).order_by(Innovation.slug)))
        self.versions: dict[str, InnovationVersion] = {i.slug: i.current for i in innovations}
        self.stepped = [slug for slug, v in self.versions.items() if v.top_steps]
        self.stepped_weights = [INNOVATION_WEIGHTS.get(slug, 1) for slug in self.stepped]
        self.plans_of_template: dict[int, list[tuple[str, str, str, int]]] = {}
        for slug in self.stepped:
            version = self.versions[slug]
            self.plans_of_template[version.id] = [
                (f"step-{s.position}", s.label("th")[:300], s.label("en")[:300], s.id) for s in version.top_steps]

    def phase_plan(self, template: str, version: InnovationVersion | None) -> list[tuple[str, str, str, int | None]]:
        if template == "innovation":
            return self.plans_of_template[version.id]
        return [(key, th, en, None) for key, th, en in PHASE_TEMPLATES[template]]

    def goal_choices(self, circle: _Circle, year: int) -> list[int]:
        if circle.school_id is not None:
            return self.goals_of.get((circle.school_id, year), [])
        return [self.core_of[(s.id, circle.network_id, year)] for s in self.network_schools[circle.network_id]
                if (s.id, circle.network_id, year) in self.core_of]

    def cycles_of(self, circle: _Circle) -> None:
        rng = self.rng
        current = self.terms[-1]
        for term in self.terms:
            start_window = max(term.starts_on, circle.created_on)
            end_window = min(term.ends_on, self.today)
            if (end_window - start_window).days < 7 or circle.dormant:
                continue
            roll = rng.random()
            count = 0 if roll < 0.1 else 1 if roll < 0.85 else 2
            for _index in range(count):
                latest = start_window + timedelta(days=max(1, int((end_window - start_window).days * 0.4)))
                start = self.day_in(start_window, min(latest, start_window + timedelta(days=45)))
                self.cycle(circle, term, start, closing=rng.random() < (0.05 if term == current else 0.65))

    def cycle(self, circle: _Circle, term: AcademicTerm, start: date, closing: bool) -> None:
        rng, out = self.rng, self.out
        members = [m for m in circle.members if m.current_on(start)]
        actor = circle.facilitator_id if any(m.user_id == circle.facilitator_id for m in members) else (
            members[0].user_id if members else circle.facilitator_id)
        area = circle.learning_area
        problem, stem, measure, full = rng.choice(AREA_WORK.get(area, AREA_WORK["ภาษาไทย"]))
        grade = rng.choice(GRADE_BANDS.get(circle.grade_band, ("ป.4", "ป.5", "ป.6")))
        slug = rng.choices(self.stepped, self.stepped_weights)[0]
        model = self.versions[slug]
        applied = [model]
        if rng.random() < 0.5:
            applied.append(self.versions["active-learning"])
        if rng.random() < 0.15:
            applied.append(self.versions[rng.choice(("pbl", "phenomenon-based-learning", "pdca"))])
        roll = rng.random()
        template = "thai_plc" if roll < 0.6 else "pdca" if roll < 0.8 else "innovation"
        plan = self.phase_plan(template, model)
        tops = [s.id for s in model.top_steps]
        step_ids = sorted(rng.sample(tops, min(len(tops), rng.randint(1, 3))))
        title = f"{stem} {grade} ด้วย {model.name}"[:200]

        closed_on = None
        if closing:
            candidate = start + timedelta(days=rng.randint(40, 150))
            if candidate <= self.today - timedelta(days=1):
                closed_on = candidate
        end = closed_on or self.today
        n = len(plan)
        if closed_on:
            started = n if rng.random() < 0.8 else rng.randint(max(1, n - 2), n)
        else:
            earlier = term != self.terms[-1]
            started = (rng.randint(n // 2, n - 1) if earlier else rng.randint(0, n - 1)) + 1
        span = max((end - start).days, 0)
        transitions = sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(started - 1))
        starts = [start, *transitions]

        cycle_id = out.next_id("cycle")
        phases: list[_Phase] = []
        for position, (key, name_th, name_en, step_id) in enumerate(plan, 1):
            index = position - 1
            started_on = starts[index] if index < started else None
            ended_on = None
            if index < started - 1:
                ended_on = starts[index + 1]
            elif index == started - 1 and closed_on:
                ended_on = closed_on
            phase_id = out.add("cycle_phase", cycle_id=cycle_id, position=position, key=key, name_th=name_th[:300],
                               name_en=name_en[:300], step_id=step_id, started_on=started_on, ended_on=ended_on)
            phases.append(_Phase(phase_id, started_on, ended_on))
        out.add("cycle", id=cycle_id, circle_id=circle.id, title=title, problem=f"{problem} (ชั้น {grade})",
                challenge_issues=f"ประเด็นท้าทาย วPA: {stem}" if rng.random() < 0.6 else None,
                target_grade=grade, target_class_size=rng.randint(8, 40),
                target_groups=list(("เก่ง", "กลาง", "อ่อน")) if rng.random() < 0.5 else (["อ่อน"] if rng.random() < 0.4 else []),
                template=template, template_version_id=model.id if template == "innovation" else None,
                status=CycleStatus.CLOSED if closed_on else CycleStatus.ACTIVE, created_by_id=actor,
                created_at=_at(start, 8),
                closed_at=_at(closed_on, 16) if closed_on else None)
        goals = self.goal_choices(circle, academic_term(start).year_be) or self.goal_choices(circle, term.year_be)
        for goal_id in sorted(rng.sample(goals, min(len(goals), rng.choice((1, 1, 2))))):
            out.add("cycle_goal", cycle_id=cycle_id, goal_id=goal_id)
        for version in sorted(applied, key=lambda v: v.id):
            out.add("cycle_innovation_version", cycle_id=cycle_id, innovation_version_id=version.id)
        for step_id in step_ids:
            out.add("cycle_step", cycle_id=cycle_id, step_id=step_id)

        # DE checkpoints: upstream at the start, midstream half-way, downstream towards the end.
        progress = 1.0 if closed_on else (started - 1) / max(n - 1, 1)
        stages = [("upstream", start + timedelta(days=rng.randint(1, 10)))]
        if progress >= 0.4 and rng.random() < 0.85:
            stages.append(("midstream", start + timedelta(days=span // 2)))
        if (closed_on and rng.random() < 0.9) or (progress >= 0.85 and rng.random() < 0.5):
            stages.append(("downstream", end - timedelta(days=rng.randint(0, 5))))
        for stage, held_on in stages:
            held_on = min(max(held_on, start), end, self.today)
            reviewed, monitored, evaluated, changed = CHECKPOINT_TEXT[stage]
            out.add("de_checkpoint", cycle_id=cycle_id, stage=stage, held_on=held_on, reviewed=reviewed,
                    monitored=monitored, evaluated=evaluated, changed=changed,
                    recorded_by_id=actor, created_at=_at(held_on, 16))

        # Outcomes once the teaching is done: pre/post aggregates per group, never students.
        if closed_on or progress >= 0.6:
            recorded = min(end, self.today)
            self.outcomes(cycle_id, measure, full, actor, recorded)
        if closed_on:
            out.add("lessons_learned", cycle_id=cycle_id, **LESSONS, recorded_by_id=actor, created_at=_at(closed_on, 16))
        circle.cycles.append(_Cycle(cycle_id, circle, start, closed_on, phases, step_ids, area, grade, title))

    def outcomes(self, cycle_id: int, measure: str, full: int, actor: int, on: date) -> None:
        rng = self.rng

        def aggregate(n: int) -> tuple[tuple[int, float, float], tuple[int, float, float]]:
            pre_mean = full * rng.uniform(0.35, 0.65)
            pre_sd = full * rng.uniform(0.08, 0.2)
            post_n = max(2, n - rng.choice((0, 0, 0, 1, 2)))
            post_sd = pre_sd * rng.uniform(0.8, 1.1)
            pooled = math.sqrt(((n - 1) * pre_sd**2 + (post_n - 1) * post_sd**2) / (n + post_n - 2))
            effect = rng.uniform(-0.2, 1.2)
            post_mean = min(pre_mean + effect * pooled, full * 0.98)
            return (n, round(pre_mean, 2), round(pre_sd, 2)), (post_n, round(post_mean, 2), round(post_sd, 2))

        roll = rng.random()
        rows: list[tuple[str, tuple, tuple]] = []
        if roll < 0.5:
            rows.append((WHOLE_CLASS, *aggregate(rng.randint(10, 40))))
        elif roll < 0.85:
            for group in ("เก่ง", "กลาง", "อ่อน"):
                rows.append((group, *aggregate(rng.randint(3, 13))))
            rows.append((WHOLE_CLASS, combined_groups([r[1] for r in rows]), combined_groups([r[2] for r in rows])))
        else:
            rows.append(("อ่อน", *aggregate(rng.randint(3, 8))))
        for group, pre, post in rows:
            self.out.add("outcome_measure", cycle_id=cycle_id, measure=measure, group=group, pre_n=pre[0],
                         pre_mean=pre[1], pre_sd=pre[2], post_n=post[0], post_mean=post[1], post_sd=post[2],
                         recorded_by_id=actor, created_at=_at(on, 15))

    # -------------------------------------------------------------------- meetings and sessions

    def meetings_of(self, circle: _Circle) -> None:
        rng = self.rng
        if circle.dormant:
            return
        for term in self.terms:
            start = max(term.starts_on, circle.created_on)
            end = min(term.ends_on, term.starts_on + timedelta(days=150))
            if end <= start:
                continue
            roll = rng.random()
            if roll < 0.76:  # the rule met, often with more meetings than it asks for
                count = circle.meeting_count + rng.choice((0, 1, 1, 2, 3))
            elif roll < 0.92:
                count = circle.meeting_count - 1
            else:
                count = 0
            for day in sorted(self.day_in(start, end) for _ in range(count)):
                if day >= self.today:
                    if day <= self.today + timedelta(days=30):
                        self.session(circle, day, held=False)
                    continue
                kind = rng.random()
                if kind < 0.65:
                    self.session(circle, day, held=True, mode="online")
                elif kind < 0.9:
                    self.session(circle, day, held=True, mode="onsite")
                else:
                    self.plain_meeting(circle, day)

    def cycle_on(self, circle: _Circle, day: date) -> _Cycle | None:
        open_cycles = [c for c in circle.cycles if c.open_on(day)]
        return open_cycles[-1] if open_cycles else None

    def plain_meeting(self, circle: _Circle, day: date) -> None:
        rng = self.rng
        circle.meetings += 1
        cycle = self.cycle_on(circle, day)
        host = self.host_on(circle, day)
        self.out.add("circle_meeting", circle_id=circle.id, cycle_id=cycle.id if cycle else None, held_on=day,
                     mode="onsite" if rng.random() < 0.8 else "online", title=f"ประชุมวง PLC ครั้งที่ {circle.meetings}",
                     notes="ทบทวนแผนการสอนและแลกเปลี่ยนผลการสังเกตชั้นเรียน" if rng.random() < 0.7 else None,
                     minutes=rng.choice((60, 60, 90, 120)) if rng.random() < 0.8 else None,
                     recorded_by_id=host, created_at=_at(day, 17))

    def host_on(self, circle: _Circle, day: date) -> int:
        current = [m for m in circle.members if m.current_on(day)]
        if any(m.user_id == circle.facilitator_id for m in current):
            return circle.facilitator_id
        return current[0].user_id if current else circle.facilitator_id

    def session(self, circle: _Circle, day: date, *, held: bool, mode: str | None = None) -> None:
        rng, out = self.rng, self.out
        mode = mode or ("online" if rng.random() < 0.8 else "onsite")
        cycle = self.cycle_on(circle, min(day, self.today))
        phase = cycle.phase_on(day) if cycle else None
        host = self.host_on(circle, min(day, self.today))
        starts_at = _at(day, 15, rng.choice((0, 30)))
        duration = rng.choice((60, 60, 90, 120))
        number = circle.meetings + 1
        title = f"PLC {'ออนไลน์' if mode == 'online' else 'ในโรงเรียน'} ครั้งที่ {number}"
        if cycle:
            title = f"{title}: {cycle.title}"[:200]
        session_id = out.next_id("live_session")
        row = dict(id=session_id, circle_id=circle.id, cycle_id=cycle.id if cycle else None,
                   phase_id=phase.id if phase else None, host_id=host, title=title,
                   agenda="1. ทบทวนผลการสอน\n2. วางแผนรอบถัดไป", mode=mode, starts_at=starts_at,
                   duration_minutes=duration, state=SessionState.SCHEDULED, started_at=None, ended_at=None,
                   read_only=False,
                   last_event=0, summary_decisions=None, summary_html=None, summary_at=None,
                   created_at=starts_at - timedelta(days=rng.randint(3, 10)))
        if not held:
            row["created_at"] = min(row["created_at"], _at(self.today, 8))
            row["reminded_at"] = row["created_at"]  # generated people get no e-mail reminder
            out.add("live_session", **row)
            return
        circle.meetings += 1
        present = [m.user_id for m in circle.members if m.current_on(day)]
        turnout = rng.uniform(0.75, 0.98)
        attendees = sorted({host, *(u for u in present if rng.random() < turnout)})
        if mode == "onsite":  # record_onsite: the host's minutes, one row each, and a meeting
            for user_id in attendees:
                minutes = duration if rng.random() < 0.8 else rng.randint(30, duration)
                out.add("attendance", session_id=session_id, user_id=user_id, connection_id=None, joined_at=starts_at,
                        last_seen_at=starts_at, left_at=starts_at + timedelta(minutes=minutes), onsite_minutes=minutes,
                        recorded_by_id=host)
            started_at, ended_at = starts_at, starts_at + timedelta(minutes=duration)
            meeting_minutes = duration
        else:  # start, join/leave intervals (two tabs, reconnects), chat, end
            started_at = starts_at + timedelta(minutes=rng.randint(0, 5))
            ended_at = started_at + timedelta(minutes=duration + rng.randint(-10, 10))
            length = int((ended_at - started_at).total_seconds() // 60)
            for user_id in attendees:
                joined = started_at + timedelta(minutes=rng.randint(0, 10))
                left = ended_at - timedelta(minutes=rng.randint(0, 15))
                if rng.random() < 0.1:
                    left = started_at + timedelta(minutes=length // 2)
                intervals = [(joined, left)]
                roll = rng.random()
                if roll < 0.05:  # a second tab, open for part of the time
                    intervals.append((joined + timedelta(minutes=5), left - timedelta(minutes=rng.randint(0, 10))))
                elif roll < 0.08:  # a dropped connection, back a few minutes later
                    middle = joined + (left - joined) / 2
                    intervals = [(joined, middle), (middle + timedelta(minutes=3), left)]
                for k, (a, b) in enumerate(intervals, 1):
                    if b <= a:
                        b = a + timedelta(minutes=1)
                    out.add("attendance", session_id=session_id, user_id=user_id,
                            connection_id=f"scale-{session_id}-{user_id}-{k}", joined_at=a, last_seen_at=b, left_at=b,
                            onsite_minutes=None, recorded_by_id=None)
            meeting_minutes = max(length, 1)
            if rng.random() < 0.25:
                messages = rng.randint(2, 8)
                for seq in range(1, messages + 1):
                    out.add("chat_message", session_id=session_id, seq=seq, event=seq,
                            author_id=rng.choice(attendees), client_id=f"scale-{seq}", body=rng.choice(CHAT),
                            created_at=started_at + timedelta(minutes=min(seq * 3, length)), edited_at=None,
                            deleted_at=None, deleted_by_id=None)
                row["last_event"] = messages
        row.update(state=SessionState.ENDED, started_at=started_at, ended_at=ended_at)
        if rng.random() < 0.3:
            decisions = rng.choice(SUMMARIES)
            row.update(summary_decisions=decisions, summary_html=self.html(decisions),
                       summary_at=ended_at + timedelta(minutes=10))
            for text_ in rng.sample(ACTION_ITEMS, rng.randint(1, 2)):
                out.add("action_item", session_id=session_id, text=text_, owner_id=rng.choice(attendees),
                        due_on=day + timedelta(days=rng.randint(5, 14)))
        out.add("live_session", **row)
        out.add("circle_meeting", circle_id=circle.id, cycle_id=cycle.id if cycle else None, held_on=day, mode=mode,
                title=title, notes=None, minutes=meeting_minutes, recorded_by_id=host, created_at=ended_at)

    # -------------------------------------------------------------------- lesson plans

    def plan_body(self, area: str, revision: int) -> str:
        lines = [f"# แผนการจัดการเรียนรู้ กลุ่มสาระการเรียนรู้{area}", "", "## จุดประสงค์การเรียนรู้",
                 "1. ด้านความรู้ (K): อธิบายสาระสำคัญของบทเรียนได้",
                 "2. ด้านทักษะ/กระบวนการ (P): ทำกิจกรรมตามขั้นตอนได้", "3. ด้านคุณลักษณะ (A): ทำงานร่วมกับผู้อื่นได้", "",
                 "## กิจกรรมการเรียนรู้", "### ขั้นนำ\n- ทบทวนความรู้เดิมด้วยคำถาม",
                 "### ขั้นสอน\n- นักเรียนทำกิจกรรมกลุ่มตามขั้นตอนของนวัตกรรม", "### ขั้นสรุป\n- ร่วมกันสรุปและประเมินตนเอง",
                 "", "## การวัดและประเมินผล", "| สิ่งที่ประเมิน | วิธีการ | เครื่องมือ | เกณฑ์ |", "|---|---|---|---|",
                 "| ความเข้าใจ | ตรวจใบงาน | ใบงาน | ร้อยละ 70 |", ""]
        lines += PLAN_REVISION_LINES[:revision - 1]
        return "\n".join(lines)

    def lesson_plans(self) -> None:
        rng = self.rng
        visibilities = ("private", "circle", "school", "network", "public")
        weights = (20, 35, 20, 15, 10)
        shareable: list[tuple[int, list[int], _Cycle, int, date, str]] = []  # for forks
        self.plans_by_author: dict[tuple[int, int], int] = {}
        for circle in self.all_circles:
            for cycle in circle.cycles:
                end = min(cycle.closed_on or self.today, self.today)
                authors = [m.user_id for m in circle.members if m.current_on(cycle.start)
                           and self.school_of(m.user_id, cycle.start) is not None]
                if not authors or (end - cycle.start).days < 3:
                    continue
                for author in rng.sample(authors, min(len(authors), rng.choice((0, 1, 1, 2, 2, 3)))):
                    school_id = circle.school_id or self.school_of(author, cycle.start)
                    created = self.day_in(cycle.start + timedelta(days=1), end)
                    visibility = rng.choices(visibilities, weights)[0]
                    steps = sorted(rng.sample(cycle.step_ids, rng.randint(0, len(cycle.step_ids))))
                    plan_id, last_revision, last_day = self.plan(
                        author, school_id, circle.id, cycle.id, f"แผนการจัดการเรียนรู้: {cycle.title}"[:200],
                        cycle.learning_area, cycle.grade, visibility, steps, created, rng.randint(1, 5), end)
                    self.plans_by_author[(author, cycle.id)] = plan_id
                    if visibility != "private":
                        shareable.append((last_revision, steps, cycle, author, last_day, visibility))
                        self.comments(plan_id, last_revision, circle, author, last_day)
        # Forks: a colleague adapts a shared plan, crediting the revision it came from.
        for revision_id, steps, cycle, author, day, visibility in shareable:
            if rng.random() >= 0.12 or day >= self.today - timedelta(days=1):
                continue
            source_school = self.school_of(author, day)
            if source_school is None:
                continue
            if visibility in ("school", "circle"):
                pool = self.school_by_id[source_school].teachers
            else:
                network_id = self.school_by_id[source_school].network_ids[0]
                pool = [j for s in self.network_schools[network_id] for j in s.teachers]
            on = self.day_in(day + timedelta(days=1), self.today - timedelta(days=1))
            candidates = [j for j in pool if j.user_id != author and j.holds_on(on)]
            if not candidates:
                continue
            forker = rng.choice(candidates)
            title = f"แผนการจัดการเรียนรู้: {cycle.title}"[:200]
            self.plan(forker.user_id, forker.school_id, None, None, title, cycle.learning_area, cycle.grade, "private",
                      steps, on, rng.choice((1, 1, 2)), self.today - timedelta(days=1), forked_from=revision_id)

    def school_of(self, user_id: int, day: date) -> int | None:
        for job in self.jobs.get(user_id, []):
            if job.school_id is not None and job.role in ("teacher", "director", "coach") and job.holds_on(day):
                return job.school_id
        return None

    def plan(self, author: int, school_id: int | None, circle_id: int | None, cycle_id: int | None, title: str,
             area: str, grade: str, visibility: str, steps: list[int], created: date, revisions: int, end: date,
             forked_from: int | None = None) -> tuple[int, int, date]:
        rng, out = self.rng, self.out
        plan_id = out.next_id("lesson_plan")
        days = sorted(self.day_in(created, max(created, end)) for _ in range(revisions - 1))
        moments = [_at(created, 20)] + [_at(d, 20, 5 * (k + 1)) for k, d in enumerate(days)]
        revision_id = 0
        body = ""
        for number, moment in enumerate(moments, 1):
            if forked_from:
                body = self.plan_body(area, 1) + ("\n- ดัดแปลงให้เหมาะกับห้องเรียนของเรา" if number > 1 else "")
                message = "ดัดแปลงจากแผนของเพื่อนครู" if number == 1 else "ปรับให้เหมาะกับนักเรียนของเรา"
            else:
                body = self.plan_body(area, number)
                message = "ฉบับแรก" if number == 1 else PLAN_MESSAGES[(number - 2) % len(PLAN_MESSAGES)]
            revision_id = out.add("lesson_plan_revision", plan_id=plan_id, number=number, title=title, body_md=body,
                                  body_html=self.html(body), message=message, restored_from=None, author_id=author,
                                  created_at=moment)
        showcase = visibility == "public" and rng.random() < 0.2
        out.add("lesson_plan", id=plan_id, author_id=author, school_id=school_id, circle_id=circle_id,
                cycle_id=cycle_id, title=title, learning_area=area, grade=grade,
                duration_minutes=rng.choice((50, 60, 60, 100, 120)), visibility=visibility, showcase=showcase,
                showcased_by_id=self.admin_id if showcase else None,
                showcased_at=moments[-1] + timedelta(days=1) if showcase else None, forked_from_id=forked_from,
                body_md=body, body_html=self.html(body), revision_count=len(moments), created_at=moments[0],
                updated_at=moments[-1], deleted_at=None)
        for step_id in steps:
            out.add("lesson_plan_step", lesson_plan_id=plan_id, step_id=step_id)
        return plan_id, revision_id, moments[-1].date()

    def comments(self, plan_id: int, revision_id: int, circle: _Circle, author: int, day: date) -> None:
        rng = self.rng
        if rng.random() >= 0.4 or day >= self.today:
            return
        readers = [m.user_id for m in circle.members if m.user_id != author]
        if not readers:
            return
        previous = None
        for k in range(rng.randint(1, 4)):
            on = self.day_in(day, self.today - timedelta(days=1))
            if previous is not None and rng.random() < 0.4:
                body, kind, by, parent = rng.choice(REPLIES), "note", author, previous
            else:
                (kind, body), by, parent = rng.choice(COMMENTS), rng.choice(readers), None
            comment_id = self.out.add("comment", plan_id=plan_id, revision_id=revision_id, parent_id=parent,
                                      author_id=by, kind=kind, body_md=body, body_html=self.html(body),
                                      created_at=_at(on, 21, k), deleted_at=None)
            if parent is None:
                previous = comment_id

    # -------------------------------------------------------------------- reflections

    def coaches_for(self, circle: _Circle) -> list[int]:
        if circle.network_id is not None:
            return list(self.network_staff[circle.network_id]["coach"])
        school = self.school_by_id[circle.school_id]
        return [c for n in school.network_ids for c in self.network_staff[n]["coach"]]

    def reflections(self) -> None:
        rng, out = self.rng, self.out
        for circle in self.all_circles:
            coaches = self.coaches_for(circle)
            for cycle in circle.cycles:
                end = min(cycle.closed_on or self.today, self.today)
                if (end - cycle.start).days < 7:
                    continue
                for member in circle.members:
                    if member.user_id in coaches or not member.current_on(cycle.start) or rng.random() >= 0.45:
                        continue
                    written = self.day_in(cycle.start + timedelta(days=7), end)
                    visibility = rng.choices(("private", "pair", "circle"), (30, 20, 50))[0]
                    partner = rng.choice(coaches) if visibility == "pair" and coaches else None
                    if visibility == "pair" and partner is None:
                        visibility = "private"
                    shared = rng.random() < 0.75
                    fields = {name: (rng.choice(options) if rng.random() < 0.8 else None)
                              for name, options in REFLECTION_PARTS.items()}
                    body = rng.choice(REFLECTION_BODIES)
                    reflection_id = out.add(
                        "reflection", author_id=member.user_id, partner_id=partner, cycle_id=cycle.id,
                        lesson_plan_id=self.plans_by_author.get((member.user_id, cycle.id)),
                        title=f"สะท้อนคิด: {cycle.title}"[:200], visibility=visibility,
                        status=ReflectionStatus.SHARED if shared else ReflectionStatus.DRAFT, **fields,
                        body_md=body, body_html=self.html(body),
                        created_at=_at(written, 20), updated_at=_at(written, 20, 30))
                    if shared and visibility != "private" and rng.random() < 0.2 and written < self.today:
                        by = partner if visibility == "pair" else circle.facilitator_id
                        if by != member.user_id:
                            body = rng.choice(FEEDBACK)
                            out.add("reflection_feedback", reflection_id=reflection_id, author_id=by, body_md=body,
                                    body_html=self.html(body), created_at=_at(min(written + timedelta(days=2),
                                                                                  self.today), 19))

    # -------------------------------------------------------------------- coaching

    def coaching(self) -> None:
        rng, out = self.rng, self.out
        held_by_pair: dict[tuple[int, int, str], list[date]] = {}
        cycles_of_user: dict[int, list[_Cycle]] = {}
        for circle in self.all_circles:
            for member in circle.members:
                cycles_of_user.setdefault(member.user_id, []).extend(circle.cycles)

        def visit(coach: int, school: _School, term: AcademicTerm) -> None:
            planned_on = self.day_in(term.starts_on, term.starts_on + timedelta(days=150))
            if planned_on > self.today + timedelta(days=45):
                return
            teachers = [j for j in school.teachers if j.user_id != coach and j.holds_on(planned_on)
                        and (planned_on <= self.today or j.holds_on(self.today))]
            if not teachers:
                return
            teacher = rng.choice(teachers).user_id
            for _k in range(rng.choice((1, 1, 2))):
                cycles = [c for c in cycles_of_user.get(teacher, []) if c.start <= planned_on]
                cycle = rng.choice(cycles) if cycles and rng.random() < 0.5 else None
                status, held_on = VisitStatus.PLANNED, None
                if planned_on < self.today:
                    roll = rng.random()
                    if roll < 0.75:
                        status, held_on = VisitStatus.HELD, min(planned_on + timedelta(days=rng.randint(0, 3)),
                                                                self.today - timedelta(days=1))
                    elif roll < 0.83:
                        status = VisitStatus.CANCELLED
                elif rng.random() < 0.05:
                    status = VisitStatus.CANCELLED
                held = status == VisitStatus.HELD
                out.add("coaching_visit", coach_id=coach, teacher_id=teacher, school_id=school.id,
                        cycle_id=cycle.id if cycle else None, planned_on=planned_on, focus=rng.choice(VISIT_FOCUS),
                        observe_what="พฤติกรรมการเรียนรู้ของนักเรียนกลุ่มอ่อน" if rng.random() < 0.6 else None,
                        status=status, held_on=held_on, observation_notes=rng.choice(VISIT_NOTES) if held else None,
                        coach_reflection="ครูพร้อมรับข้อเสนอแนะ ควรติดตามต่อเนื่อง" if held and rng.random() < 0.8 else None,
                        teacher_reflection="ได้แนวทางปรับกิจกรรมกลุ่ม" if held and rng.random() < 0.6 else None,
                        follow_up="ปรับใบงานและนัดสังเกตการสอนอีกครั้ง" if held and rng.random() < 0.5 else None,
                        follow_up_due_on=held_on + timedelta(days=rng.randint(14, 30)) if held and rng.random() < 0.5
                        else None,
                        created_at=_at(planned_on - timedelta(days=rng.randint(7, 20)), 13))
                if held:
                    held_by_pair.setdefault((coach, teacher, str(term)), []).append(held_on)
                planned_on = planned_on + timedelta(days=rng.randint(14, 40))
                job = next(j for j in school.teachers if j.user_id == teacher)
                if planned_on > min(term.ends_on, self.today + timedelta(days=45)) or not job.holds_on(planned_on) \
                        or not (planned_on <= self.today or job.holds_on(self.today)):
                    break

        for term in self.terms:
            for network_id in self.networks:
                people = self.network_staff[network_id]
                visitors = people["coach"] + people["supervisor"]
                for school in self.network_schools[network_id]:
                    if school.network_ids[0] != network_id or rng.random() >= 0.8:
                        continue
                    for _k in range(rng.choice((1, 1, 2))):
                        visit(rng.choice(visitors), school, term)
            for school in self.schools:
                for job in self.school_coaches.get(school.id, []):
                    if job.holds_on(term.starts_on) and rng.random() < 0.5:
                        visit(job.user_id, school, term)
        for (coach, teacher, term), days in held_by_pair.items():
            if (len(days) >= 2 and rng.random() < 0.5) or rng.random() < 0.08:
                body = rng.choice(SYNTHESES)
                written = min(max(days) + timedelta(days=3), self.today)
                out.add("coaching_synthesis", coach_id=coach, teacher_id=teacher, term=term, body_md=body,
                        body_html=self.html(body), created_at=_at(written, 18), updated_at=_at(written, 18))
