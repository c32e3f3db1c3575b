from dangjian.orgs.excel.command import ExcelImportCommand


class Command(ExcelImportCommand):
    help = "导入党员名册（《党员基本信息汇总表》格式 .xlsx）：逐行校验，有任何错误则不写入并以非零状态退出"
    kind = "roster"
