// Number syntax of sweeps and the CSV reader's dialects.
#include "core/io/CsvReader.h"
#include "core/model/NumberParser.h"

#include <QtTest>

using namespace moescope;

class TestNumbersCsv : public QObject {
    Q_OBJECT
private slots:
    void numbers_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<double>("value");
        QTest::newRow("exponent") << "1e20" << true << 1e20;
        QTest::newRow("billions") << "3.2B" << true << 3.2e9;
        QTest::newRow("giga") << "3.2G" << true << 3.2e9;
        QTest::newRow("millions") << "150M" << true << 150e6;
        QTest::newRow("trillions") << "7T" << true << 7e12;
        QTest::newRow("thousands") << "12k" << true << 12e3;
        QTest::newRow("size label, lower case") << "12m" << true << 12e6;
        QTest::newRow("billions, lower case") << "1.3b" << true << 1.3e9;
        QTest::newRow("trillions, lower case") << "2t" << true << 2e12;
        QTest::newRow("spaces") << "  0.5 " << true << 0.5;
        QTest::newRow("plus") << "+2" << true << 2.0;
        QTest::newRow("negative") << "-3" << true << -3.0;
        QTest::newRow("word") << "abc" << false << 0.0;
        QTest::newRow("nan") << "nan" << false << 0.0;
        QTest::newRow("inf") << "inf" << false << 0.0;
        QTest::newRow("thousands separator") << "1,000" << false << 0.0;
        QTest::newRow("bad suffix") << "3X" << false << 0.0;
        QTest::newRow("suffix alone") << "M" << false << 0.0;
        QTest::newRow("empty") << "" << false << 0.0;
    }
    void numbers() {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(double, value);
        double v = -1;
        std::string reason;
        const std::string s = text.toStdString();
        QCOMPARE(parseNumber(s, v, &reason), ok);
        if (ok)
            QCOMPARE(v, value);
        else
            QVERIFY(!reason.empty());
    }

    void delimiterDetection() {
        QCOMPARE(CsvReader::detectDelimiter("a,b,c"), ',');
        QCOMPARE(CsvReader::detectDelimiter("a;b;c"), ';');
        QCOMPARE(CsvReader::detectDelimiter("a\tb\tc"), '\t');
        QCOMPARE(CsvReader::detectDelimiter("\"x,y\";b;c"), ';');
    }

    void quotedFieldsAndLineNumbers() {
        CsvReader r;
        std::string error;
        QVERIFY(r.openText("\xEF\xBB\xBF"
                           "a;b\r\n\"x;1\";\"say \"\"hi\"\"\"\r\n\r\n\"multi\nline\";2\r\nlast;3",
                           error));
        QCOMPARE(r.delimiter(), ';');
        QCOMPARE(r.header().size(), size_t(2));
        QCOMPARE(QString::fromStdString(r.header()[0]), QString("a"));
        std::vector<std::string_view> f;
        int line = 0;
        QCOMPARE(r.next(f, line, error), CsvReader::Status::Row);
        QCOMPARE(line, 2);
        QCOMPARE(QString::fromUtf8(f[0].data(), int(f[0].size())), QString("x;1"));
        QCOMPARE(QString::fromUtf8(f[1].data(), int(f[1].size())), QString("say \"hi\""));
        QCOMPARE(r.next(f, line, error), CsvReader::Status::Row);
        QCOMPARE(line, 4);
        QCOMPARE(QString::fromUtf8(f[0].data(), int(f[0].size())), QString("multi\nline"));
        QCOMPARE(r.next(f, line, error), CsvReader::Status::Row);
        QCOMPARE(line, 6);
        QCOMPARE(r.next(f, line, error), CsvReader::Status::End);
    }

    void unterminatedQuote() {
        CsvReader r;
        std::string error;
        QVERIFY(r.openText("a,b\n1,2\n3,\"oops\n4,5\n", error));
        std::vector<std::string_view> f;
        int line = 0;
        QCOMPARE(r.next(f, line, error), CsvReader::Status::Row);
        QCOMPARE(r.next(f, line, error), CsvReader::Status::Error);
        QCOMPARE(line, 3);
        QCOMPARE(f.size(), size_t(1)); // one complete field before the broken one
        QVERIFY(QString::fromStdString(error).contains("unterminated"));
    }

    void binaryIsNotText() {
        CsvReader r;
        std::string error;
        QVERIFY(!r.openText(std::string("PK\x03\x04\0\0", 6), error));
        QVERIFY(QString::fromStdString(error).contains("not a text file"));
    }
};

QTEST_GUILESS_MAIN(TestNumbersCsv)
#include "tst_numbers_csv.moc"
