"""Apex language rules the runtime must keep, each as Salesforce documents it."""

from __future__ import annotations

import decimal

import pytest

from tests.apex.harness import shown, thrown_by, value_of


def test_identifiers_types_and_methods_ignore_case() -> None:
    assert shown("""
        STRING s = 'abc';
        integer N = S.LENGTH();
        return n + '' + auth.customonetimepassworddeliveryresult.success;""") == "3SUCCESS"


def test_string_equality_ignores_case_but_equals_does_not() -> None:
    assert shown("return ('ABC' == 'abc') + ',' + 'ABC'.equals('abc') + ',' + ('a' != 'A');") \
        == "true,false,false"


def test_map_and_set_string_keys_are_case_sensitive() -> None:
    assert shown("""
        Map<String, Integer> m = new Map<String, Integer>{'Key' => 1};
        Set<String> s = new Set<String>{'A'};
        return m.get('key') + ',' + m.containsKey('Key') + ',' + s.contains('a');""") \
        == "null,true,false"


def test_integer_arithmetic_wraps_at_32_bits() -> None:
    assert value_of("Integer i = 2147483647; i++; return i;") == -2147483648
    assert value_of("Integer i = 2147483647; return i * 2;") == -2


def test_long_keeps_64_bits() -> None:
    assert value_of("Long l = 2147483647; l++; return l;") == 2147483648


def test_integer_division_truncates_toward_zero() -> None:
    assert shown("return (7 / 2) + ',' + (-7 / 2);") == "3,-3"


def test_divide_by_zero_is_a_math_exception() -> None:
    assert thrown_by("Integer z = 0; return 1 / z;") == "System.MathException: Divide by 0"


def test_decimal_keeps_its_scale() -> None:
    assert shown("Decimal d = 1.50; return d + 1;") == "2.50"
    assert shown("Decimal d = 1.50; return d.setScale(1);") == "1.5"
    assert value_of("Decimal d = 1.50; return d.scale();") == 2


def test_double_prints_like_java() -> None:
    assert shown("Double d = 1; return d;") == "1.0"
    assert shown("Double a = 0.1; Double b = 0.2; return a + b;") == "0.30000000000000004"
    assert shown("Double d = 0.1 + 0.2; return d;") == "0.3"  # literals are Decimal


def test_concatenating_null_prints_null() -> None:
    assert shown("String s; return 'x' + s;") == "xnull"


def test_null_dereference_is_a_null_pointer_exception() -> None:
    assert thrown_by("String s; return s.length();") == \
        "System.NullPointerException: Attempt to de-reference a null object"


def test_safe_navigation_and_null_coalescing() -> None:
    assert shown("String s; return s?.length() + ',' + (s ?? 'dflt');") == "null,dflt"


def test_list_index_out_of_bounds() -> None:
    assert thrown_by("List<Integer> l = new List<Integer>{1}; return l[3];") == \
        "System.ListException: List index out of bounds: 3"
    assert thrown_by("List<Integer> l = new List<Integer>(); return l.get(0);") == \
        "System.ListException: List index out of bounds: 0"


def test_a_failed_cast_is_a_type_exception_with_salesforce_wording() -> None:
    assert thrown_by("Object o = 'x'; return (Integer) o;") == \
        "System.TypeException: Invalid conversion from runtime type String to Integer"
    assert thrown_by("""
        Object o = JSON.deserializeUntyped('{"a": 1}');
        return (Map<String, String>) o;""") == (
        "System.TypeException: Invalid conversion from runtime type Map<String,ANY> to "
        "Map<String,String>")


def test_instanceof_sees_element_types() -> None:
    assert shown("""
        Object o = JSON.deserializeUntyped('[1, "a"]');
        return (o instanceof List<Object>) + ',' + (o instanceof Map<String, Object>);""") \
        == "true,false"


def test_catch_matches_by_type_hierarchy() -> None:
    members = "public class MyException extends Exception {}"
    assert shown("""
        try { throw new MyException('boom'); }
        catch (CalloutException e) { return 'wrong'; }
        catch (Exception e) { return e.getTypeName() + ': ' + e.getMessage(); }""", members) \
        == "T.MyException: boom"


def test_finally_runs_and_rethrow_keeps_the_exception() -> None:
    members = "static List<String> log = new List<String>();"
    assert thrown_by("""
        try {
            try { Integer i = null; i++; }
            finally { log.add('finally'); }
        } catch (NullPointerException e) {
            throw new IllegalArgumentException(String.join(log, ',') + ' ' + e.getMessage());
        }
        return null;""", members) == \
        "System.IllegalArgumentException: finally Attempt to de-reference a null object"


def test_limit_exception_cannot_be_caught() -> None:
    members = "static Integer depth(Integer n) { return depth(n + 1); }"
    assert thrown_by("""
        try { return depth(0); } catch (Exception e) { return 'caught'; }""", members) == \
        "System.LimitException: Maximum stack depth reached: 1001"


def test_custom_exception_constructors_and_methods() -> None:
    members = """
        public class ProviderException extends Exception {
            public Integer code;
            public ProviderException(String message, Integer code) {
                this(message);
                this.code = code;
            }
        }"""
    assert shown("""
        ProviderException e = new ProviderException('rejected', 21211);
        Exception wrapped = new ProviderException('outer', e);
        return e.getMessage() + ' ' + e.code + ' ' + wrapped.getCause().getMessage()
            + ' ' + e.getLineNumber();""", members) == "rejected 21211 rejected 12"


def test_switch_on_integer_string_enum_and_else() -> None:
    members = "enum Color { RED, GREEN }"
    assert shown("""
        String out = '';
        for (Integer i : new List<Integer>{1, 2, 3}) {
            switch on i { when 1, 2 { out += 'a'; } when else { out += 'z'; } }
        }
        switch on 'b' { when 'a' { out += '1'; } when 'b' { out += '2'; } }
        Color c = Color.GREEN;
        switch on c { when RED { out += 'r'; } when GREEN { out += 'g'; } }
        return out;""", members) == "aaz2g"


def test_loops_break_and_continue() -> None:
    assert value_of("""
        Integer total = 0;
        for (Integer i = 0; i < 10; i++) {
            if (i == 2) { continue; }
            if (i == 5) { break; }
            total += i;
        }
        Integer j = 0;
        while (j < 3) { j++; }
        do { j++; } while (j < 2);
        return total * 100 + j;""") == 804


def test_static_state_is_per_transaction_and_initialisers_run_once() -> None:
    members = ("static Integer calls = 0; static { calls = 10; } "
               "static Integer next() { return ++calls; }")
    assert value_of("next(); return next();", members) == 12
    assert value_of("next(); return next();", members) == 12


def test_inner_classes_constructors_overloads_properties() -> None:
    members = """
        public class Payload {
            public String to { get; private set; }
            public Integer attempts { get { return attempts == null ? 0 : attempts; } set; }
            public Payload() { this('nobody'); }
            public Payload(String to) { this.to = to; }
            public String describe(Integer n) { return 'int ' + n; }
            public String describe(String s) { return 'str ' + s; }
        }"""
    assert shown("""
        Payload p = new Payload();
        Payload q = new Payload('+1555');
        return p.to + ' ' + q.to + ' ' + p.attempts + ' ' + p.describe(1) + ' '
            + p.describe('x');""", members) == "nobody +1555 0 int 1 str x"


def test_virtual_dispatch_and_interfaces() -> None:
    members = """
        public interface Sender { String send(); }
        public virtual class Base implements Sender {
            public virtual String send() { return 'base:' + name(); }
            public virtual String name() { return 'b'; }
        }
        public class Derived extends Base {
            public override String name() { return 'd'; }
        }"""
    assert shown("""
        Sender s = new Derived();
        return s.send() + ' ' + (s instanceof Base) + ' ' + (s instanceof Sender);""", members) \
        == "base:d true true"


def test_ternary_chains() -> None:
    assert shown("Integer s = 404; return s == 200 ? 'ok' : s == 404 ? 'missing' : 'other';") \
        == "missing"


def test_decimal_from_json_number_and_int_value() -> None:
    assert value_of("""
        Map<String, Object> m = (Map<String, Object>) JSON.deserializeUntyped(
            '{"small": 1, "big": 3000000000, "price": 0.0075}');
        Decimal p = (Decimal) m.get('price');
        return (m.get('small') instanceof Integer) + ',' + (m.get('big') instanceof Long)
            + ',' + p + ',' + p.intValue();""") == "true,true,0.0075,0"


def test_soql_single_row_assignment_without_rows_is_a_query_exception() -> None:
    from otp_bench.apex import ApexEnvironment

    env = ApexEnvironment(user_by_id=lambda i: None)
    assert thrown_by("""
        Id uid = '005000000000001AAA';
        User u = [SELECT Id, LanguageLocaleKey FROM User WHERE Id = :uid];
        return u;""", env=env) == \
        "System.QueryException: List has no rows for assignment to SObject"


def test_soql_reads_the_users_locale() -> None:
    from otp_bench.apex import ApexEnvironment

    users = {"005000000000001AAA": {"Id": "005000000000001AAA", "LanguageLocaleKey": "de",
                                     "MobilePhone": "+4915112345678"}}
    env = ApexEnvironment(user_by_id=users.get)
    assert shown("""
        Id uid = '005000000000001AAA';
        User u = [SELECT Id, LanguageLocaleKey FROM User WHERE Id = :uid LIMIT 1];
        List<User> all = [SELECT Id FROM User WHERE Id = :uid];
        return u.LanguageLocaleKey + ' ' + all.size() + ' ' + u.get('languagelocalekey');""",
        env=env) == "de 1 de"
    assert thrown_by("""
        Id uid = '005000000000001AAA';
        User u = [SELECT Id FROM User WHERE Id = :uid];
        return u.MobilePhone;""", env=env) == (
        "System.SObjectException: SObject row was retrieved via SOQL without querying the "
        "requested field: User.MobilePhone")


def test_custom_metadata_and_custom_settings() -> None:
    from otp_bench.apex import ApexEnvironment

    env = ApexEnvironment(
        custom_metadata={"Sms_Settings__mdt": {"Default": {"Sender__c": "+15005550006",
                                                           "Max__c": 3}}},
        custom_settings={"Otp_Switches__c": {"Kill_Switch__c": False}})
    assert shown("""
        Sms_Settings__mdt s = Sms_Settings__mdt.getInstance('Default');
        Otp_Switches__c sw = Otp_Switches__c.getOrgDefaults();
        return s.Sender__c + ' ' + s.Max__c + ' ' + sw.Kill_Switch__c + ' '
            + Sms_Settings__mdt.getAll().size() + ' ' + Sms_Settings__mdt.getInstance('Nope');""",
        env=env) == "+15005550006 3 false 1 null"


def test_json_serialize_keeps_declaration_order_and_suppresses_nulls() -> None:
    members = """
        public class Msg {
            public String to;
            public String body;
            public Decimal price;
            public List<String> tags;
            transient String secret = 'x';
        }"""
    body = """
        Msg m = new Msg();
        m.to = '+1555'; m.price = 1.50;
        return JSON.serialize(m) + ' ' + JSON.serialize(m, true);"""
    assert shown(body, members) == (
        '{"to":"+1555","body":null,"price":1.50,"tags":null} {"to":"+1555","price":1.50}')


def test_json_deserialize_typed() -> None:
    members = """
        public class Reply { public String status; public List<Part> parts; public Integer n; }
        public class Part { public String id; }"""
    assert shown("""
        Reply r = (Reply) JSON.deserialize(
            '{"status":"0","parts":[{"id":"a"},{"id":"b"}],"extra":1}', Reply.class);
        return r.status + r.parts[1].id + r.n;""", members) == "0bnull"
    assert thrown_by("""
        return JSON.deserializeStrict('{"status":"0","extra":1}', Reply.class);""",
                     members).startswith("System.JSONException: ")


@pytest.mark.parametrize(("expr", "expected"), [
    ("EncodingUtil.urlEncode('+1 555&x=é', 'UTF-8')", "%2B1+555%26x%3D%C3%A9"),
    ("EncodingUtil.base64Encode(Blob.valueOf('AC1:secret'))", "QUMxOnNlY3JldA=="),
    ("EncodingUtil.convertToHex(Crypto.generateMac('hmacSHA256', Blob.valueOf('msg'), "
     "Blob.valueOf('key')))", "2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628"),
    ("EncodingUtil.convertToHex(Crypto.generateDigest('SHA-256', Blob.valueOf('abc')))",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("'a,b,,c,,'.split(',').size()", "4"),
    ("'+15551234567'.replaceAll('[^0-9]', '')", "15551234567"),
    ("'Hello World'.replaceAll('(\\\\w+) (\\\\w+)', '$2 $1')", "World Hello"),
    ("String.format('{0} has {1} items', new List<Object>{'cart', 1234})", "cart has 1,234 items"),
    ("String.join(new List<String>{'a', 'b'}, '-')", "a-b"),
    ("Pattern.compile('\"code\":\\\\s*(\\\\d+)').matcher('{\"code\": 21211}').find()", "true"),
    ("Pattern.matches('[0-9]+', '12a')", "false"),
    ("'  x '.trim().length()", "1"),
    ("'abcdef'.substring(2, 4)", "cd"),
    ("'abc'.left(10) + 'abc'.right(2)", "abcbc"),
    ("String.isBlank('  ') + ',' + String.isNotBlank('x')", "true,true"),
    ("Integer.valueOf('42') + 1", "43"),
    ("Math.mod(-7, 3)", "-1"),
    ("1.0 / 3.0", "0.333333333333333333333333333333333"),  # 33 digits, as Apex prints it
    ("Decimal.valueOf('2.10') / 2.0", "1.05"),
    ("Math.max(1, 2.5)", "2.5"),
    ("Math.floor(2.7) + ' ' + Math.ceil(-2.5) + ' ' + Math.floor(Double.valueOf('2.7'))",
     "2 -2 2.0"),
    ("Decimal.valueOf('3.14159').setScale(2)", "3.14"),
    ("Decimal.valueOf('2.345').setScale(2)", "2.35"),  # half up when no mode is given
    ("Decimal.valueOf('2.5').round()", "2"),  # round() is half even
    ("'a'.compareTo('B')", "31"),
    ("-2147483648", "-2147483648"),
    ("Boolean.valueOf('TRUE') && !Boolean.valueOf('no')", "true"),
    ("Id.valueOf('001000000000001')", "001000000000001AAA"),
    ("Id.valueOf('001Dn00000Abcde')", "001Dn00000AbcdeIAB"),
])
def test_system_library(expr: str, expected: str) -> None:
    assert shown(f"return {expr};") == expected


def test_invalid_integer_text_is_a_type_exception() -> None:
    assert thrown_by("return Integer.valueOf('12a');") == \
        "System.TypeException: Invalid integer: 12a"


def test_substring_out_of_range_is_a_string_exception() -> None:
    assert thrown_by("return 'abc'.substring(5);") == \
        "System.StringException: Starting position out of bounds: 5"


def test_assert_equals_message() -> None:
    assert thrown_by("System.assertEquals(1, 2); return null;") == \
        "System.AssertException: Assertion Failed: Expected: 1, Actual: 2"


def test_decimal_values_are_python_decimals() -> None:
    assert value_of("return 1.50;") == decimal.Decimal("1.50")


def test_datetime_from_the_environment_clock() -> None:
    from datetime import UTC, datetime

    from otp_bench.apex import ApexEnvironment

    env = ApexEnvironment(clock=lambda: datetime(2026, 3, 5, 14, 7, 9, 250000, tzinfo=UTC))
    assert shown("""
        Datetime now = Datetime.now();
        return now.formatGmt('EEE, dd MMM yyyy HH:mm:ss z') + ' | ' + now.getTime() + ' | '
            + now.addMinutes(5).formatGmt('yyyy-MM-dd\\'T\\'HH:mm:ss.SSSX') + ' | ' + now
            + ' | ' + JSON.serialize(now) + ' | ' + (now < now.addSeconds(1));""", env=env) == (
        "Thu, 05 Mar 2026 14:07:09 GMT | 1772719629250 | 2026-03-05T14:12:09.250Z | "
        '2026-03-05 14:07:09 | "2026-03-05T14:07:09.250Z" | true')


def test_json_generator_builds_a_body() -> None:
    assert shown("""
        JSONGenerator g = JSON.createGenerator(false);
        g.writeStartObject();
        g.writeStringField('to', '+1555');
        g.writeNumberField('ttl', 300);
        g.writeFieldName('tags');
        g.writeStartArray(); g.writeString('otp'); g.writeNull(); g.writeEndArray();
        g.writeBooleanField('flash', false);
        g.writeEndObject();
        return g.getAsString();""") == '{"to":"+1555","ttl":300,"tags":["otp",null],"flash":false}'


def test_serialize_pretty_uses_salesforce_layout() -> None:
    assert shown("return JSON.serializePretty(new Map<String, Object>{'a' => 1, "
                 "'b' => new List<Object>{true, 'x'}, 'c' => new Map<String, Object>()});") == (
        '{\n  "a" : 1,\n  "b" : [ true, "x" ],\n  "c" : { }\n}')


def test_matcher_groups() -> None:
    assert shown("""
        Matcher m = Pattern.compile('(\\\\w+)=(\\\\d+)').matcher('a=1, b=22');
        String out = '';
        while (m.find()) { out += m.group(1) + ':' + m.group(2) + ';'; }
        return out + m.groupCount();""") == "a:1;b:22;2"


def test_json_parser_walks_tokens() -> None:
    assert shown("""
        JSONParser p = JSON.createParser('{"messages":[{"status":"0","price":"0.0075"}],"n":3}');
        List<String> seen = new List<String>();
        while (p.nextToken() != null) {
            if (p.getCurrentToken() == JSONToken.FIELD_NAME) {
                String name = p.getCurrentName();
                p.nextToken();
                if (name == 'n') { seen.add('n=' + (p.getIntegerValue() + 1)); }
                else if (name == 'status') { seen.add('status=' + p.getText()); }
                else if (name == 'messages') { seen.add(String.valueOf(p.getCurrentToken())); }
            }
        }
        return String.join(seen, ' ');""") == "START_ARRAY status=0 n=4"


def test_an_interpreter_fault_is_named_never_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from otp_bench.apex import lib
    from tests.apex.harness import run_body

    def broken(rt: object, s: str) -> int:
        raise ZeroDivisionError("bug")

    lib.load()  # the registry fills on first use: this test may be the first to run
    monkeypatch.setitem(lib.INSTANCE[str]["length"], 0, broken)
    outcome, value, _ = run_body("String s = 'abc';\n    return s.length();")
    assert outcome == "internal"
    assert value == "otp-bench internal error in T.run at T.cls:5 (ZeroDivisionError)"


def test_a_run_time_refusal_names_file_line_and_column() -> None:
    from tests.apex.harness import run_body

    # the check can't know the type of m.get('x'): calling a missing method on it is refused
    # where it runs, before anything else happens
    outcome, value, _ = run_body("Map<String, Object> m = new Map<String, Object>{'x' => 'a'};\n"
                                 "    Object o = m.get('x');\n    return m.get('x').frobnicate();")
    assert outcome == "refuse"
    assert value == "unsupported: method String.frobnicate with 0 arguments at T.cls:6:5"


def test_stack_trace_names_each_frame_and_line() -> None:
    members = """
        static void inner() {
            Integer i = null;
            i++;
        }
        static void outer() {
            inner();
        }"""
    assert shown("""
        try { outer(); } catch (Exception e) { return e.getStackTraceString(); }
        return null;""", members) == (
        "Class.T.inner: line 5, column 1\nClass.T.outer: line 8, column 1\n"
        "Class.T.run: line 12, column 1")
