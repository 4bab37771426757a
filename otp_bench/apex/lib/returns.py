"""What the system methods return, as far as the whole-file check needs it to follow a chain
(``res.getBody().trim().frobnicate()`` is refused before the run, not after the callout).

Keys are ``class.method`` in lower case; a value is the Apex type written as in source. ``$K``,
``$V`` and ``$E`` stand for a Map's key and value and a List/Set's element type.
"""

from __future__ import annotations

_STRING_TO_STRING = (
    "trim tolowercase touppercase replace replaceall replacefirst substring left right mid "
    "leftpad rightpad removestart removeend removestartignorecase removeendignorecase "
    "substringbefore substringafter substringbeforelast substringafterlast substringbetween "
    "abbreviate capitalize uncapitalize normalizespace deletewhitespace escapehtml4 "
    "unescapehtml4 escapexml reverse repeat remove swapcase tostring")
_STRING_TO_INTEGER = "length indexof indexofignorecase lastindexof compareto countmatches charat " \
    "codepointat hashcode"
_STRING_TO_BOOLEAN = (
    "contains containsignorecase containsany containsnone containsonly containswhitespace "
    "startswith startswithignorecase endswith endswithignorecase equals equalsignorecase "
    "isnumeric isalpha isalphanumeric isalllowercase isalluppercase iswhitespace")

RETURNS: dict[str, str] = {
    **{f"string.{m}": "String" for m in _STRING_TO_STRING.split()},
    **{f"string.{m}": "Integer" for m in _STRING_TO_INTEGER.split()},
    **{f"string.{m}": "Boolean" for m in _STRING_TO_BOOLEAN.split()},
    "string.split": "List<String>",
    "http.send": "HttpResponse",
    "httpresponse.getbody": "String", "httpresponse.getstatus": "String",
    "httpresponse.getstatuscode": "Integer", "httpresponse.getheader": "String",
    "httpresponse.getbodyasblob": "Blob", "httpresponse.getheaderkeys": "List<String>",
    "httprequest.getbody": "String", "httprequest.getendpoint": "String",
    "httprequest.getmethod": "String", "httprequest.getheader": "String",
    "httprequest.getbodyasblob": "Blob",
    "blob.tostring": "String", "blob.size": "Integer",
    "datetime.formatgmt": "String", "datetime.format": "String", "datetime.gettime": "Long",
    "datetime.addseconds": "Datetime", "datetime.addminutes": "Datetime",
    "datetime.addhours": "Datetime", "datetime.adddays": "Datetime",
    "pattern.matcher": "Matcher", "matcher.group": "String", "matcher.find": "Boolean",
    "matcher.matches": "Boolean",
    "jsonparser.gettext": "String", "jsonparser.getcurrentname": "String",
    "jsongenerator.getasstring": "String",
    "decimal.setscale": "Decimal", "decimal.intvalue": "Integer", "decimal.format": "String",
    "integer.format": "String",
    "map.get": "$V", "map.keyset": "Set<$K>", "map.values": "List<$V>", "map.size": "Integer",
    "map.containskey": "Boolean", "map.isempty": "Boolean",
    "list.get": "$E", "list.size": "Integer", "list.isempty": "Boolean",
    "list.contains": "Boolean", "set.contains": "Boolean", "set.size": "Integer",
    # statics
    "string.valueof": "String", "string.join": "String", "string.format": "String",
    "string.escapesinglequotes": "String",
    "json.serialize": "String", "json.serializepretty": "String",
    "json.createparser": "JSONParser", "json.creategenerator": "JSONGenerator",
    "encodingutil.base64encode": "String", "encodingutil.urlencode": "String",
    "encodingutil.urldecode": "String", "encodingutil.converttohex": "String",
    "encodingutil.base64decode": "Blob", "blob.valueof": "Blob",
    "crypto.generatemac": "Blob", "crypto.generatedigest": "Blob",
    "integer.valueof": "Integer", "long.valueof": "Long", "decimal.valueof": "Decimal",
    "double.valueof": "Double", "boolean.valueof": "Boolean",
    "datetime.now": "Datetime", "system.now": "Datetime",
    "userinfo.getuserid": "Id", "userinfo.getusername": "String",
    "userinfo.getlanguage": "String", "userinfo.getlocale": "String",
    "pattern.compile": "Pattern",
}
