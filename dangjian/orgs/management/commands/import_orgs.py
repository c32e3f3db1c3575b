from dangjian.orgs.excel.command import ExcelImportCommand


class Command(ExcelImportCommand):
    help = "导入党组织信息表 .xlsx：逐行校验，有任何错误则不写入并以非零状态退出"
    kind = "orgs"
