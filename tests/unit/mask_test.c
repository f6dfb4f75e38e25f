/* Unit tests for mask.c: numbers, names, addresses and whole records. */
#include <stdlib.h>

#include "checks.h"
#include "mask.h"
#include "pair.h"
#include "record.h"
#include "unit.h"

/* Compare mask(in) with want, freeing the result. */
static void
check_mask(char *(*mask)(const char *), const char *in, const char *want)
{
	char *s = mask(in);

	CHECK_STR(s, want);
	free(s);
}

static void
test_id(void)
{
	check_mask(mask_id, "440105199208221233", "440105********1233");
	check_mask(mask_id, "44010220100101123X", "440102********123X");
	check_mask(mask_id, "440105920822123", "440105*****2123");
	check_mask(mask_id, "44010519", "********");
	check_mask(mask_id, "4401051992", "**********");
	check_mask(mask_id, "44010519920", "440105*9920");
	check_mask(mask_id, "", "");
}

static void
test_name(void)
{
	check_mask(mask_name, "张三", "张*");
	check_mask(mask_name, "张三丰", "张**");
	check_mask(mask_name, "欧阳修", "欧阳*");
	check_mask(mask_name, "司马相如", "司马**");
	check_mask(mask_name, "诸葛亮", "诸葛*");
	check_mask(mask_name, "上官婉儿", "上官**");
	check_mask(mask_name, "东方朔", "东方*");
	check_mask(mask_name, "皇甫谧", "皇甫*");
	check_mask(mask_name, "尉迟恭", "尉迟*");
	check_mask(mask_name, "公孙胜", "公孙*");
	check_mask(mask_name, "慕容复", "慕容*");
	check_mask(mask_name, "长孙无忌", "长孙**");
	check_mask(mask_name, "宇文泰", "宇文*");
	check_mask(mask_name, "司徒雷", "司徒*");
	check_mask(mask_name, "令狐冲", "令狐*");
	/* Two characters: surname 欧, given name 阳. */
	check_mask(mask_name, "欧阳", "欧*");
	/* 东 alone is a one-character surname. */
	check_mask(mask_name, "东子", "东*");
	check_mask(mask_name, "张", "张");
	check_mask(mask_name, "", "");
	check_mask(mask_name, "阿依古丽·买买提", "阿*******");
}

static void
test_address(void)
{
	check_mask(mask_address, "广东省广州市海珠区新港西路135号",
	    "广东省广州市***");
	check_mask(mask_address, "浙江省温州市鹿城区人民路1号",
	    "浙江省温州市***");
	check_mask(mask_address, "湖北省仙桃市干河街道", "湖北省仙桃市***");
	check_mask(mask_address, "新疆维吾尔自治区乌鲁木齐市天山区解放路",
	    "新疆维吾尔自治区乌鲁木齐市***");
	check_mask(mask_address, "四川省凉山彝族自治州西昌市长安街",
	    "四川省凉山彝族自治州***");
	check_mask(mask_address, "内蒙古自治区锡林郭勒盟锡林浩特市",
	    "内蒙古自治区锡林郭勒盟***");
	check_mask(mask_address, "西藏自治区阿里地区噶尔县", "西藏自治区阿里地区***");
	/* No city within reach of the province: the province alone. */
	check_mask(mask_address, "海南省琼中黎族苗族自治县营根镇红星路",
	    "海南省***");
	/* The municipalities keep their district or county. */
	check_mask(mask_address, "北京市海淀区中关村南大街5号",
	    "北京市海淀区***");
	check_mask(mask_address, "上海市浦东新区世纪大道100号",
	    "上海市浦东新区***");
	check_mask(mask_address, "天津市和平区南京路", "天津市和平区***");
	check_mask(mask_address, "重庆市巫山县巫峡镇", "重庆市巫山县***");
	/* No province. */
	check_mask(mask_address, "广州市海珠区新港西路", "广州市***");
	check_mask(mask_address, "新港西路135号", "***");
	/* Nothing after the city: nothing to hide. */
	check_mask(mask_address, "广东省广州市", "广东省广州市");
	check_mask(mask_address, "", "");
}

static void
test_record(void)
{
	const struct checks_opts o = { 2026, 5, 1 };
	json_t *r = record_new("zhang_front.jpg", "faiz");

	json_object_set_new(r, "side", json_string("front"));
	json_object_set_new(r, "name", json_string("欧阳娜娜"));
	json_object_set_new(r, "sex", json_string("女"));
	json_object_set_new(r, "birthday", json_string("1992年8月22日"));
	json_object_set_new(r, "address",
	    json_string("北京市海淀区中关村南大街5号"));
	json_object_set_new(r, "id_number", json_string("440105199208221241"));
	json_object_set_new(r, "raw", json_pack("{s:s}", "data", "..."));
	CHECK(checks_record(r, &o) == 0);
	mask_record(r);
	CHECK_STR(record_str(r, "id_number"), "440105********1241");
	CHECK_STR(json_string_value(json_object_get(json_object_get(
	    json_object_get(r, "checks"), "id_number"), "normalised")),
	    "440105********1241");
	CHECK_STR(record_str(r, "name"), "欧阳**");
	CHECK_STR(record_str(r, "address"), "北京市海淀区***");
	CHECK(json_object_get(r, "raw") == NULL);
	/* The rest stays. */
	CHECK_STR(record_str(r, "birthday"), "1992年8月22日");
	CHECK_STR(record_str(r, "sex"), "女");
	CHECK_STR(record_str(r, "file"), "zhang_front.jpg");
	CHECK(json_is_null(json_object_get(r, "validity")));
	json_decref(r);

	/* A --check-id record. */
	r = checks_id_record("440105920822123", &o);
	mask_record(r);
	CHECK_STR(record_str(r, "input"), "440105*****2123");
	CHECK_STR(record_str(r, "id_number"), "440105********1233");
	CHECK_STR(json_string_value(json_object_get(json_object_get(
	    json_object_get(r, "checks"), "id_number"), "normalised")),
	    "440105********1233");
	json_decref(r);
	r = checks_id_record("abc", &o);
	mask_record(r);
	CHECK_STR(record_str(r, "input"), "***");
	CHECK(json_is_null(json_object_get(r, "id_number")));
	json_decref(r);

	/* Not an object, or nothing to mask. */
	mask_record(NULL);
	r = record_new("x.jpg", "faiz");
	mask_record(r);
	CHECK(json_is_null(json_object_get(r, "name")));
	json_decref(r);
}

static void
test_person(void)
{
	json_t *f = record_new("a_front.jpg", "faiz"), *b = record_new("a_back.jpg", "faiz");
	json_t *p;

	json_object_set_new(f, "side", json_string("front"));
	json_object_set_new(b, "side", json_string("back"));
	json_object_set_new(f, "name", json_string("李四"));
	json_object_set_new(f, "address", json_string("广东省广州市海珠区"));
	json_object_set_new(f, "id_number", json_string("440105199208221233"));
	p = pair_person(f, b, "name");
	mask_record(p);
	CHECK_STR(record_str(p, "name"), "李*");
	CHECK_STR(record_str(p, "address"), "广东省广州市***");
	CHECK_STR(record_str(p, "id_number"), "440105********1233");
	json_decref(p);
	json_decref(f);
	json_decref(b);
}

int
main(void)
{
	test_id();
	test_name();
	test_address();
	test_record();
	test_person();
	return unit_done("mask");
}
