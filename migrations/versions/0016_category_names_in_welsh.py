"""The category names and descriptions in Welsh (issue 15): `name_cy` and `description_cy` on every category of the
seeded taxonomy (migration 0001). A page, and an API answer asked for in Welsh, names a category in Welsh
(app/categories/service.py); a category without a Welsh name would be named in English. Written with the glossary of
docs/cymraeg.md, and listed in docs/taxonomy.md ("In Welsh").

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (slug, Welsh name, Welsh description), in the taxonomy's order.
WELSH: list[tuple[str, str, str]] = [
    ("social-connection", "Cysylltiad cymdeithasol", "Grwpiau a lleoedd lle mae pobl yn cyfarfod, yn sgwrsio ac yn perthyn."),
    ("lunch-clubs", "Clybiau cinio", "Prydau bwyd rheolaidd gyda'n gilydd, yn aml i bobl hŷn."),
    ("coffee-mornings", "Boreau coffi a sesiynau cymdeithasol galw heibio", "Cyfarfodydd anffurfiol dros baned."),
    ("mens-sheds", "Siediau dynion", "Gweithdai cymunedol lle mae dynion yn creu, yn trwsio ac yn sgwrsio."),
    ("befriending", "Cyfeillio", "Gwirfoddolwyr sy'n ymweld â phobl unig neu'n eu ffonio."),
    ("clubs-societies", "Clybiau a chymdeithasau", "Clybiau hobi, diddordeb a chymdeithasol; cymdeithasau trigolion."),
    ("arts-culture", "Celfyddydau, cerddoriaeth a diwylliant", "Creu, perfformio a mwynhau diwylliant gyda'n gilydd."),
    ("choirs-music", "Corau a cherddoriaeth", "Corau, grwpiau canu, bandiau a sesiynau cerddoriaeth."),
    ("arts-crafts", "Celf a chrefft", "Paentio, gwau, crochenwaith, crefftau a grwpiau creadigol."),
    ("drama-dance", "Drama a dawns", "Theatr amatur, dosbarthiadau dawns a grwpiau symud."),
    ("heritage-museums", "Amgueddfeydd a threftadaeth", "Amgueddfeydd, orielau, treftadaeth a grwpiau hanes."),
    ("reading-writing", "Grwpiau darllen ac ysgrifennu", "Clybiau llyfrau, ysgrifennu creadigol ac adrodd straeon."),
    ("physical-activity", "Gweithgarwch corfforol", "Ffyrdd o symud mwy, ar unrhyw lefel ffitrwydd."),
    ("walking-groups", "Grwpiau cerdded", "Teithiau cerdded iechyd gydag arweinydd, a grwpiau crwydro."),
    ("sports-clubs", "Clybiau chwaraeon", "Clybiau a thimau chwaraeon cymunedol."),
    ("exercise-classes", "Dosbarthiadau ymarfer corff", "Ymarfer corff mewn cadair, ioga, tai chi, cryfder a chydbwysedd."),
    ("leisure-centres", "Canolfannau hamdden a phyllau nofio", "Campfeydd, pyllau nofio a chanolfannau chwaraeon."),
    ("green-spaces", "Mannau gwyrdd a garddio", "Amser yn yr awyr agored, a thyfu pethau."),
    ("parks", "Parciau a mannau agored", "Parciau, tiroedd comin, gwarchodfeydd natur a mannau agored."),
    ("community-gardens", "Gerddi cymunedol a rhandiroedd", "Gerddi a rennir, rhandiroedd a phrosiectau tyfu."),
    ("conservation", "Gwirfoddoli cadwraeth", "Gwirfoddoli ymarferol dros natur a'r amgylchedd."),
    ("mental-wellbeing", "Iechyd meddwl a llesiant", "Cymorth ar gyfer llesiant emosiynol ac iechyd meddwl."),
    ("wellbeing-activities", "Gweithgareddau llesiant", "Ymwybyddiaeth ofalgar, ymlacio a chyrsiau llesiant."),
    ("mental-health-services", "Gwasanaethau iechyd meddwl", "Therapïau siarad, colegau adfer a chymorth iechyd meddwl yn y gymuned."),
    ("crisis-support", "Cymorth mewn argyfwng", "Lleoedd a llinellau cymorth i droi atynt mewn argyfwng."),
    ("peer-support", "Cymorth gan gymheiriaid", "Grwpiau gan bobl sydd â phrofiad tebyg, ac ar eu cyfer."),
    ("mental-health-peer-support", "Cymorth iechyd meddwl gan gymheiriaid", "Grwpiau i bobl sy'n byw gyda salwch meddwl."),
    ("bereavement-support", "Cymorth profedigaeth", "Cymorth ar ôl marwolaeth rhywun agos."),
    ("recovery-support", "Adfer o ddibyniaeth", "Cyd-gymorth i adfer o ddibyniaeth: alcohol, cyffuriau, gamblo."),
    ("long-term-conditions", "Cyflyrau hirdymor", "Grwpiau i bobl sy'n byw gyda chyflwr fel diabetes, strôc neu ddementia."),
    ("food", "Bwyd", "Bwyd brys, a phrydau bwyd gyda'n gilydd."),
    ("food-banks", "Banciau bwyd", "Parseli bwyd brys, fel arfer drwy atgyfeirio neu daleb."),
    ("food-pantries", "Pantrïoedd bwyd a siopau cymunedol", "Cynlluniau aelodaeth bwyd rhad, ac oergelloedd cymunedol."),
    ("community-meals", "Prydau cymunedol", "Prydau poeth am ddim neu'n rhad, yn agored i bawb."),
    ("money-advice", "Cyngor ar arian, dyledion a budd-daliadau", "Help gyda phryderon ariannol, dyledion, budd-daliadau a biliau."),
    ("debt-advice", "Cyngor ar ddyledion", "Cyngor cyfrinachol am ddim ar ddyledion."),
    ("benefits-advice", "Cyngor ar fudd-daliadau", "Help i wirio a hawlio budd-daliadau."),
    ("housing", "Tai", "Help i ddod o hyd i gartref, ei gadw neu ei wella."),
    ("housing-advice", "Cyngor ar dai", "Cyngor ar denantiaeth, digartrefedd ac atgyweiriadau."),
    ("homelessness-support", "Cymorth digartrefedd", "Canolfannau dydd, gwaith allgymorth a llochesi."),
    ("learning", "Dysgu a llyfrgelloedd", "Llyfrgelloedd, cyrsiau a sgiliau."),
    ("libraries", "Llyfrgelloedd", "Llyfrgelloedd cyhoeddus: llyfrau, cyfrifiaduron, grwpiau a digwyddiadau."),
    ("adult-learning", "Dysgu oedolion", "Cyrsiau cymunedol ac addysg oedolion."),
    ("digital-skills", "Sgiliau digidol", "Help i fynd ar-lein a defnyddio dyfeisiau."),
    ("english-language", "Saesneg (ESOL)", "Dosbarthiadau Saesneg a chlybiau sgwrsio."),
    ("faith", "Cymunedau ffydd", "Addoldai a grwpiau ffydd."),
    ("places-of-worship", "Addoldai", "Eglwysi, mosgiau, temlau, gurdwaras, synagogau a thai cwrdd."),
    ("faith-groups", "Grwpiau ffydd", "Grwpiau cymunedol a gynhelir gan sefydliadau ffydd."),
    ("carers", "Gofalwyr", "Cymorth i ofalwyr di-dâl."),
    ("carers-support", "Cymorth i ofalwyr", "Canolfannau gofalwyr, grwpiau a seibiannau."),
    ("young-people", "Pobl ifanc", "Grwpiau a chymorth i blant, pobl ifanc a theuluoedd."),
    ("youth-clubs", "Clybiau ieuenctid", "Clybiau ieuenctid a grwpiau mewn lifrai."),
    ("families", "Teuluoedd a'r blynyddoedd cynnar", "Grwpiau rhieni a phlant bach, canolfannau teuluoedd."),
    ("older-people", "Pobl hŷn", "Grwpiau a chymorth i bobl hŷn."),
    ("older-people-groups", "Grwpiau pobl hŷn", "Grwpiau cymdeithasol a chanolfannau dydd i bobl hŷn."),
    ("older-people-advice", "Cyngor i bobl hŷn", "Cyngor a help ymarferol yn hwyrach mewn bywyd."),
    ("community-spaces", "Mannau cymunedol", "Lleoedd sy'n agored i'r gymuned."),
    ("community-centres", "Canolfannau cymunedol a neuaddau", "Canolfannau cymunedol, neuaddau pentref a neuaddau eglwys."),
    ("warm-spaces", "Mannau cynnes", "Lleoedd croesawgar am ddim i gadw'n gynnes yn y gaeaf."),
    ("local-businesses", "Busnesau lleol fel mannau cymunedol", "Lleoedd bob dydd lle mae pobl yn cyfarfod ac yn cael eu hadnabod."),
    ("cafes", "Caffis", "Caffis a chaffis cymunedol."),
    ("pubs", "Tafarndai", "Tafarndai a chlybiau cymdeithasol."),
    ("barbers", "Barbwyr", "Barbwyr: lleoedd lle mae llawer o ddynion yn sgwrsio."),
    ("hairdressers", "Trinwyr gwallt", "Trinwyr gwallt a salonau."),
    ("health-services", "Gwasanaethau iechyd", "Gwasanaethau'r GIG a gwasanaethau iechyd cymunedol."),
    ("gp-practices", "Meddygfeydd teulu", "Meddygfeydd teulu'r GIG."),
    ("pharmacies", "Fferyllfeydd", "Fferyllfeydd cymunedol."),
    ("dentists", "Deintyddion", "Practisau deintyddol."),
    ("health-clinics", "Clinigau a chanolfannau iechyd", "Clinigau, ysbytai a chanolfannau iechyd."),
    ("volunteering", "Gwirfoddoli a gweithredu cymunedol", "Elusennau, gwirfoddoli a threfnu cymunedol."),
    ("charities", "Elusennau a grwpiau cymunedol", "Elusennau lleol a sefydliadau gwirfoddol."),
    ("volunteer-centres", "Canolfannau gwirfoddoli", "Lleoedd sy'n paru gwirfoddolwyr â chyfleoedd."),
]


def upgrade() -> None:
    op.add_column("category", sa.Column("name_cy", sa.String(120)))
    op.add_column("category", sa.Column("description_cy", sa.Text))
    category = sa.table("category", sa.column("slug", sa.String), sa.column("name_cy", sa.String), sa.column("description_cy", sa.Text))
    for slug, name, description in WELSH:
        op.execute(category.update().where(category.c.slug == slug).values(name_cy=name, description_cy=description))


def downgrade() -> None:
    op.drop_column("category", "description_cy")
    op.drop_column("category", "name_cy")
